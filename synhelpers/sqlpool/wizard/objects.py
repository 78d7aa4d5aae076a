"""Names of the objects the wizard creates or reads, from its parameters, written safely (pure).

A name is parsed with :func:`~synhelpers.sqlpool.names.parse_table_name` (``[pool.]schema.name``,
brackets and double quotes allowed) and checked: no control characters, at most 128 characters
a part, not a ``#temp`` object, and a pool part (if any) naming this pool. A name that does not
parse is refused with :class:`~synhelpers.exceptions.ConfigError`; it never reaches T-SQL.

It is then written as the user typed it when every part is a plain identifier that is not a
reserved word (``dbo.nyc_taxi_procedure``, ``aml_models``: what the wizard writes), and bracketed
otherwise (``[dbo].[x]]; DROP TABLE t]``): a bracketed part cannot end early, so no name can
break out into T-SQL. Inside string literals (``OBJECT_ID(N'...')``) it is an ``N'...'`` literal
(:func:`~synhelpers.sqlpool.names.nstring`, quotes doubled).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...exceptions import ConfigError
from ...identifiers import is_identifier
from ..names import MAX_NAME, TableName, bracket, check_name, control_character, nstring, parse_table_name

MAX_PART = MAX_NAME     # sysname
# T-SQL's reserved keywords, plus words the Synapse dialect gives a meaning (COPY, PREDICT, ...)
RESERVED = frozenset("""ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE
    BULK BY CASCADE CASE CHECK CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE
    CONSTRAINT CONTAINS CONTAINSTABLE CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE
    CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DBCC DEALLOCATE DECLARE DEFAULT
    DELETE DENY DESC DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP ELSE END ERRLVL ESCAPE EXCEPT EXEC
    EXECUTE EXISTS EXIT EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN FREETEXT FREETEXTTABLE FROM FULL
    FUNCTION GOTO GRANT GROUP HAVING HOLDLOCK IDENTITY IDENTITY_INSERT IDENTITYCOL IF IN INDEX
    INNER INSERT INTERSECT INTO IS JOIN KEY KILL LEFT LIKE LINENO LOAD MERGE NATIONAL NOCHECK
    NONCLUSTERED NOT NULL NULLIF OF OFF OFFSETS ON OPEN OPENDATASOURCE OPENQUERY OPENROWSET OPENXML
    OPTION OR ORDER OUTER OVER PERCENT PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE PUBLIC
    RAISERROR READ READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN REVERT REVOKE
    RIGHT ROLLBACK ROWCOUNT ROWGUIDCOL RULE SAVE SCHEMA SECURITYAUDIT SELECT SEMANTICKEYPHRASETABLE
    SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE SESSION_USER SET SETUSER SHUTDOWN SOME
    STATISTICS SYSTEM_USER TABLE TABLESAMPLE TEXTSIZE THEN TO TOP TRAN TRANSACTION TRIGGER TRUNCATE
    TRY_CONVERT TSEQUAL UNION UNIQUE UNPIVOT UPDATE UPDATETEXT USE USER VALUES VARYING VIEW WAITFOR
    WHEN WHERE WHILE WITH WITHIN WRITETEXT COPY DATA GO LABEL MODEL PREDICT RENAME RUNTIME THROW
    """.split())


def part_sql(part: str) -> str:
    """One name part for T-SQL: as is when plain (matched whole) and not reserved, else bracketed.

    Raises:
        ConfigError: a control character or more than 128 characters.
    """
    check_name(part)
    return part if is_identifier(part) and part.upper() not in RESERVED else bracket(part)


@dataclass(frozen=True)
class SqlObject:
    """A table or procedure of the pool named by a wizard parameter.

    ``schema`` is None when the parameter gave none (T-SQL then uses ``dbo``).
    """
    parameter: str
    schema: str | None
    name: str

    @property
    def sql(self) -> str:
        """As typed, safely: ``dbo.aml_models``, ``aml_models``, ``[dbo].[my table]``."""
        parts = ([self.schema] if self.schema is not None else []) + [self.name]
        return ".".join(part_sql(p) for p in parts)

    @property
    def bracketed(self) -> str:
        """``[schema].[name]`` (schema ``dbo`` when none was given): the wizard's FROM form."""
        return f"{bracket(self.schema or 'dbo')}.{bracket(self.name)}"

    @property
    def id_literal(self) -> str:
        """The name as an ``N'...'`` literal for ``OBJECT_ID(...)``."""
        return nstring(self.sql)

    @property
    def table_name(self) -> TableName:
        return TableName("", self.schema or "dbo", self.name)

    def renamed(self, name: str) -> "SqlObject":
        """The same schema, another name (checked like a parameter's)."""
        _check_part(name, self.parameter, name)
        return replace(self, name=name)

    def same_as(self, other: "SqlObject") -> bool:
        return (self.schema or "dbo").lower() == (other.schema or "dbo").lower() and \
            self.name.lower() == other.name.lower()

    def __str__(self) -> str:
        return f"{self.schema or 'dbo'}.{self.name}"


def parse_object(text: str, parameter: str, pool_name: str = "") -> SqlObject:
    """Parse a wizard parameter naming a pool object.

    Raises:
        ConfigError: empty, unparsable (e.g. an unbalanced ``]``), a control character, a part
            longer than 128 characters, a ``#temp`` name, or a pool part other than ``pool_name``.
    """
    raw = (text or "").strip()
    if not raw:
        raise ConfigError(f"{parameter} is empty: name a table or procedure, e.g. 'dbo.nyc_taxi'.")
    if control_character(raw) is not None:
        raise ConfigError(f"{parameter}={text!r} contains a control character (a line break?): "
                          "use a plain name.")
    parsed = parse_table_name(raw, parameter, default_schema="")
    if parsed.database and pool_name and parsed.database.lower() != pool_name.lower():
        raise ConfigError(f"{parameter}={text!r} names pool {parsed.database!r}, but the wizard runs "
                          f"in pool {pool_name!r}: drop the pool part or use that pool.")
    for part in (parsed.schema, parsed.table):
        if part:
            _check_part(part, parameter, text)
    return SqlObject(parameter, parsed.schema or None, parsed.table)


def _check_part(part: str, parameter: str, text: str) -> None:
    if len(part) > MAX_PART:
        raise ConfigError(f"{parameter}={text!r}: {part[:20]!r}... is longer than {MAX_PART} "
                          "characters (the T-SQL limit for a name).")
    if part.startswith("#"):
        raise ConfigError(f"{parameter}={text!r} is a #temp name, which lasts one session: use a "
                          "permanent table or procedure name.")
    if control_character(part) is not None:
        raise ConfigError(f"{parameter}={text!r} contains a control character: use a plain name.")
