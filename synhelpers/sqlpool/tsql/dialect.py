"""The Synapse dedicated-pool dialect of T-SQL: sqlglot's TSQL plus what Synapse scripts use (pure).

Added on top of ``sqlglot.dialects.tsql.TSQL`` (pinned sqlglot 30.x, parser in ``sqlglot/parsers``):

- statements without ``;``, control flow and procedures (:mod:`.statements`);
- ``PREDICT(MODEL = ..., DATA = t AS d, RUNTIME = ONNX) WITH (col type, ...) AS p`` (:class:`Predict`);
- ``COPY INTO t (col ordinal, ...) FROM 'path' WITH (...)`` (:class:`CopyInto`);
- the table options ``DISTRIBUTION = ROUND_ROBIN | REPLICATE | HASH(c)``, ``HEAP``,
  ``CLUSTERED COLUMNSTORE INDEX [ORDER (c)]``, ``CLUSTERED INDEX (c)``, ``PARTITION (...)``;
- ``RENAME OBJECT [::] t TO new`` (:class:`~.nodes.RenameObject`);
- ``float`` is 8 bytes and ``real`` 4 (stock sqlglot reads both as 4-byte FLOAT), ``float(n≤24)`` is real;
- ``NCHAR(n)`` is the character of code point ``n`` (as ``CHAR(n)``).
"""
from __future__ import annotations

import logging

from sqlglot import exp
from sqlglot.dialects.tsql import TSQL
from sqlglot.errors import ParseError, TokenError
from sqlglot.generators.tsql import TSQLGenerator
from sqlglot.parsers.tsql import TSQLParser
from sqlglot.tokens import TokenType

from ...exceptions import SqlParseError
from .nodes import TRANSFORMS, CopyColumn, CopyInto, Predict, TableOption
from .statements import StatementsMixin



class SynapseTSQLParser(StatementsMixin, TSQLParser):
    # NCHAR(n): the character of code point n (what nstring() writes for control characters)
    FUNCTIONS = {**TSQLParser.FUNCTIONS,
                 "NCHAR": lambda args: exp.Chr(expressions=args, charset=False)}
    PROPERTY_PARSERS = {
        **TSQLParser.PROPERTY_PARSERS,
        "DISTRIBUTION": lambda self: self._parse_distribution(),
        "CLUSTERED": lambda self: self._parse_clustered(),
        "CLUSTERED INDEX": lambda self: self._parse_clustered(index_token_seen=True),
        "PARTITION": lambda self: self._parse_partition_option(),
    }

    # -- types: float is float(53), real is float(24) --------------------------------------
    def _parse_types(self, *args, **kwargs):
        dtype = super()._parse_types(*args, **kwargs)
        if isinstance(dtype, exp.DataType) and dtype.this == exp.DType.DOUBLE and dtype.expressions:
            bits = dtype.expressions[0].this
            precision = int(bits.name) if isinstance(bits, exp.Literal) else 53
            dtype = exp.DataType.build("FLOAT" if precision <= 24 else "DOUBLE")
        return dtype

    # -- PRIMARY KEY / UNIQUE [NON]CLUSTERED ... NOT ENFORCED (Synapse accepts only NOT ENFORCED) --
    def _parse_primary_key(self, *args, **kwargs):
        self._match_texts(("CLUSTERED", "NONCLUSTERED"))
        key = super()._parse_primary_key(*args, **kwargs)
        if self._match_text_seq("NOT", "ENFORCED"):
            key.set("options", [*(key.args.get("options") or []), "NOT ENFORCED"])
        return key

    def _parse_unique(self):
        unique = super()._parse_unique()
        if self._match_text_seq("NOT", "ENFORCED"):
            unique.meta["not_enforced"] = True
        return unique

    # -- PREDICT as a table source -----------------------------------------------------------
    def _parse_table(self, schema: bool = False, joins: bool = False, alias_tokens=None,
                     parse_bracket: bool = False, is_db_reference: bool = False,
                     parse_partition: bool = False, consume_pipe: bool = False):
        if (not schema and self._curr and self._curr.text.upper() == "PREDICT"
                and self._next.token_type == TokenType.L_PAREN):
            return self._parse_predict()
        return super()._parse_table(schema=schema, joins=joins, alias_tokens=alias_tokens,
                                    parse_bracket=parse_bracket, is_db_reference=is_db_reference,
                                    parse_partition=parse_partition, consume_pipe=consume_pipe)

    def _parse_predict(self) -> Predict:
        self._advance(2)
        args: dict = {}
        while True:
            key = self._curr.text.upper()
            if key not in ("MODEL", "DATA", "RUNTIME", "PARAMETERS") or key.lower() in args:
                self.raise_error(f"Incorrect syntax near '{self._curr.text}' in PREDICT: expecting "
                                 "MODEL =, DATA =, RUNTIME = or PARAMETERS =")
            self._advance()
            self._match(TokenType.EQ) or self.raise_error(f"Expecting = after {key}")
            if key == "DATA":
                if self._curr.token_type == TokenType.L_PAREN:
                    self.raise_error("PREDICT DATA must name a table, view, CTE or #temp table "
                                     "(a subquery is not allowed): put the query in a CTE")
                args["data"] = self._parse_table_parts()
                alias = self._parse_table_alias()
                if alias:
                    args["data_alias"] = alias
            elif key == "RUNTIME":
                args["runtime"] = self._parse_var(any_token=True)
            else:
                args[key.lower()] = self._parse_bitwise()
            if not self._match(TokenType.COMMA):
                break
        self._match_r_paren()
        if "model" not in args or "data" not in args:
            self.raise_error("PREDICT needs MODEL = ... and DATA = ...")
        if not self._match_pair(TokenType.WITH, TokenType.L_PAREN):
            self.raise_error("PREDICT needs WITH (<output column> <type>, ...) naming the model outputs")
        args["columns"] = self._parse_csv(lambda: self._parse_column_def(self._parse_id_var()))
        self._match_r_paren()
        args["alias"] = self._parse_table_alias()
        return self.expression(Predict(**args))

    # -- COPY INTO -----------------------------------------------------------------------------
    def _parse_copy_into(self) -> CopyInto:
        table = self._parse_table_parts(schema=True)
        columns = None
        if self._match(TokenType.L_PAREN):
            columns = self._parse_csv(self._parse_copy_column)
            self._match_r_paren()
        if not self._match(TokenType.FROM):
            self.raise_error("Expecting FROM '<file path>' in COPY INTO")
        files = self._parse_csv(self._parse_string)
        if not files or not all(files):
            self.raise_error("COPY INTO ... FROM expects one or more quoted file paths")
        options = None
        if self._match_pair(TokenType.WITH, TokenType.L_PAREN):
            options = self._parse_csv(self._parse_copy_option)
            self._match_r_paren()
        return CopyInto(this=table, columns=columns, files=files, options=options)

    def _parse_copy_column(self) -> CopyColumn:
        name = self._parse_id_var(any_token=False)
        default = self._parse_primary() if self._match(TokenType.DEFAULT) else None
        ordinal = self._parse_number()
        return CopyColumn(this=name, default=default, ordinal=ordinal)

    def _parse_copy_option(self) -> exp.Property:
        key = self._parse_var(any_token=True)
        self._match(TokenType.EQ) or self.raise_error(f"Expecting = after {key and key.name}")
        if self._match(TokenType.L_PAREN):
            value = exp.Tuple(expressions=self._parse_csv(self._parse_copy_option))
            self._match_r_paren()
        else:
            value = self._parse_primary() or self._parse_var(any_token=True)
        return exp.Property(this=exp.var(key.name.upper()), value=value)

    # -- Synapse table options -------------------------------------------------------------------
    def _parse_distribution(self) -> TableOption:
        self._match(TokenType.EQ)
        kind = self._parse_var(any_token=True)
        columns = self._parse_wrapped_csv(self._parse_id_var) if self._curr.token_type == TokenType.L_PAREN else None
        return TableOption(this=exp.var("DISTRIBUTION"), value=exp.var(kind.name.upper()),
                           expressions=columns)

    def _parse_clustered(self, index_token_seen: bool = False) -> TableOption:
        if not index_token_seen and self._match_text_seq("COLUMNSTORE", "INDEX"):
            order = None
            if self._match_text_seq("ORDER"):
                order = self._parse_wrapped_csv(self._parse_id_var)
            return TableOption(this=exp.var("CLUSTERED COLUMNSTORE INDEX"), expressions=order)
        if not index_token_seen and not self._match(TokenType.INDEX):
            self.raise_error("Expecting CLUSTERED COLUMNSTORE INDEX or CLUSTERED INDEX (columns)")
        return TableOption(this=exp.var("CLUSTERED INDEX"),
                           expressions=self._parse_wrapped_csv(self._parse_ordered))

    def _parse_partition_option(self) -> TableOption:
        start = self._prev
        depth = 0
        while self._curr:
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(self._curr.token_type, 0)
            self._advance()
            if depth == 0:
                break
        return TableOption(this=exp.var("PARTITION"), value=exp.var(self._find_sql(start, self._prev)[9:].strip()))


class SynapseTSQLGenerator(TSQLGenerator):
    TYPE_MAPPING = {**TSQLGenerator.TYPE_MAPPING, exp.DType.FLOAT: "REAL", exp.DType.DOUBLE: "FLOAT",
                    exp.DType.INT: "INT"}
    TRANSFORMS = {**TSQLGenerator.TRANSFORMS, **TRANSFORMS}
    PROPERTIES_LOCATION = {**TSQLGenerator.PROPERTIES_LOCATION,
                           TableOption: exp.Properties.Location.POST_WITH,
                           exp.HeapProperty: exp.Properties.Location.POST_WITH}


class SynapseTSQL(TSQL):
    """T-SQL as a Synapse dedicated SQL pool reads it (see the module docstring)."""

    class Tokenizer(TSQL.Tokenizer):
        KEYWORDS = {**{k: v for k, v in TSQL.Tokenizer.KEYWORDS.items() if k != "PRINT"},
                    "FLOAT": TokenType.DOUBLE, "CLUSTERED INDEX": TokenType.INDEX}
        # A command token swallows the rest of its statement as text; PRINT, END and RENAME
        # (RENAME OBJECT) are parsed.
        COMMANDS = TSQL.Tokenizer.COMMANDS - {TokenType.END, TokenType.RENAME}

    Parser = SynapseTSQLParser
    Generator = SynapseTSQLGenerator


def parse_batch(sql: str, line_offset: int = 0) -> list[exp.Expr]:
    """Parse one batch into statements (``line_offset`` is added to the reported line numbers).

    Raises:
        SqlParseError: with ``errors=[{line, col, statement, highlight, description}]``.
    """
    dialect = SynapseTSQL()
    logger = logging.getLogger("sqlglot")
    disabled, logger.disabled = logger.disabled, True   # its Command-fallback warnings are retried
    try:
        return [s for s in dialect.parse(sql) if s is not None]
    except ParseError as err:
        errors = [{"line": (e.get("line") or 1) + line_offset, "col": e.get("col"),
                   "statement": _line_of(sql, e.get("line")), "highlight": e.get("highlight"),
                   "description": e.get("description")} for e in err.errors]
        first = errors[0] if errors else {"line": line_offset + 1, "col": 0, "description": str(err)}
        raise SqlParseError(f"Parse error at line {first['line']}, column {first['col']}: "
                            f"{first['description']} (in: {first.get('statement', '').strip()!r})",
                            errors) from err
    except TokenError as err:
        raise SqlParseError(f"Parse error near line {line_offset + 1}: {err}",
                            [{"line": line_offset + 1, "col": 0, "statement": sql[:200],
                              "highlight": "", "description": str(err)}]) from err
    finally:
        logger.disabled = disabled


def _line_of(sql: str, line: int | None) -> str:
    lines = sql.splitlines()
    return lines[line - 1] if line and 0 < line <= len(lines) else ""
