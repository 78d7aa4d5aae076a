"""T-SQL statement structure for the Synapse dialect's parser (a parser mixin, pure).

sqlglot splits a script on ``;`` and expects each statement to use up its chunk; T-SQL needs no
``;``: a statement ends where its grammar ends. This mixin parses a batch as T-SQL does:

- statement after statement, ``;`` optional; when sqlglot's parser would swallow the next
  statement (Command fallback or error), the statement is parsed again up to where the next one
  must begin (:meth:`StatementsMixin._guess_statement_end`, a lexical scan at depth 0);
- ``IF``/``ELSE``, ``BEGIN``/``END``, ``WHILE``, ``BREAK``/``CONTINUE``, ``PRINT``, ``RETURN``,
  ``THROW`` (sqlglot's own IF/BEGIN handling binds blocks to ``;`` chunks);
- ``CREATE [OR ALTER] | ALTER PROCEDURE``, whose body runs to the end of the batch and which must
  be the batch's first statement (:class:`~.nodes.Procedure`);
- reserved words (``END``, ``ELSE``, ``SELECT``...) are never taken as implicit aliases, so
  ``BEGIN SELECT 1 END`` does not read END as a column alias.
"""
from __future__ import annotations

from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.tokens import TokenType

from .nodes import LoopControl, Print, Procedure, RenameObject, Throw

# Words that start a statement (or close a block): never an implicit alias.
RESERVED = frozenset("""ALTER BEGIN BREAK CLOSE COMMIT CONTINUE CREATE DEALLOCATE DECLARE DELETE DENY DROP
    ELSE END EXEC EXECUTE FETCH GOTO GRANT IF INSERT MERGE OPEN PRINT RAISERROR RETURN REVOKE ROLLBACK
    SAVE SELECT SET THROW TRUNCATE UPDATE USE WAITFOR WHILE COPY RENAME""".split())
_QUOTED = {TokenType.IDENTIFIER, TokenType.STRING, TokenType.NATIONAL_STRING}
_ROUTINE_HEAD = (("CREATE", "PROC"), ("CREATE", "PROCEDURE"), ("CREATE", "OR", "ALTER", "PROC"),
                 ("CREATE", "OR", "ALTER", "PROCEDURE"), ("ALTER", "PROC"), ("ALTER", "PROCEDURE"))


class StatementsMixin:
    """Mixed into the dialect's parser before sqlglot's ``TSQLParser``."""

    def parse(self, raw_tokens, sql):  # type: ignore[override]
        self.reset()
        self.sql = sql or ""
        self._tokens = raw_tokens
        self._tokens_size = len(raw_tokens)
        self._index = -1
        self._advance()
        statements = self._parse_statement_list(top_level=True)
        self.check_errors()
        return statements

    def _parse_statement_list(self, top_level: bool = False) -> list[exp.Expr]:
        statements: list[exp.Expr] = []
        while self._curr:
            if self._match(TokenType.SEMICOLON):
                continue
            if not top_level and self._curr.token_type == TokenType.END:
                break
            if top_level and self._curr.token_type == TokenType.END:
                self.raise_error("Incorrect syntax near 'END': no BEGIN to close")
            if self._routine_ahead() and statements:
                self.raise_error("'CREATE/ALTER PROCEDURE' must be the first statement in a query batch")
            if (statements and self._curr.token_type == TokenType.WITH
                    and self._prev.token_type != TokenType.SEMICOLON):
                self.raise_error("Incorrect syntax near the keyword 'with'. If this statement is a "
                                 "common table expression, an xmlnamespaces clause or a change "
                                 "tracking context clause, the previous statement must be terminated "
                                 "with a semicolon")
            index = self._index
            statements.append(self._parse_tsql_statement())
            if self._index == index:
                self.raise_error(f"Incorrect syntax near '{self._curr.text}'")
        return statements

    def _parse_tsql_statement(self) -> exp.Expr:
        start = self._curr
        word = start.text.upper() if start.token_type not in _QUOTED else ""
        if self._routine_ahead():
            node = self._parse_procedure()
        elif start.token_type == TokenType.BEGIN and self._next.text.upper() not in ("TRAN", "TRANSACTION"):
            self._advance()
            if self._match_texts(("TRY", "CATCH", "DISTRIBUTED")):
                node = self._parse_as_command(start)
            else:
                body = self._parse_statement_list()
                if not self._match(TokenType.END):
                    self.raise_error("Expecting END to close BEGIN")
                node = exp.Block(expressions=body, begin=True)
        elif word == "IF" and self._next:
            self._advance()
            condition = self._parse_disjunction()
            true = self._parse_body_statement("IF")
            false = None
            while self._match(TokenType.SEMICOLON):
                pass
            if self._match(TokenType.ELSE):
                false = self._parse_body_statement("ELSE")
            node = exp.IfBlock(this=condition, true=true, false=false)
        elif word == "WHILE":
            self._advance()
            node = exp.WhileBlock(this=self._parse_disjunction(),
                                  body=self._parse_body_statement("WHILE"))
        elif word == "PRINT":
            self._advance()
            node = Print(this=self._parse_disjunction())
        elif word == "RETURN":
            self._advance()
            value = None
            if self._curr and self._curr.token_type != TokenType.SEMICOLON and not self._at_reserved():
                value = self._parse_disjunction()
            node = exp.Return(this=value)
        elif word == "THROW" and self._next and self._next.token_type != TokenType.SEMICOLON:
            self._advance()
            number = self._parse_primary_or_var()
            self._match(TokenType.COMMA)
            message = self._parse_bitwise()
            self._match(TokenType.COMMA)
            node = Throw(this=message, number=number, state=self._parse_primary_or_var())
        elif word in ("BREAK", "CONTINUE"):
            self._advance()
            node = LoopControl(this=word)
        elif word == "COPY" and self._next.text.upper() == "INTO":
            self._advance(2)
            node = self._parse_copy_into()
        elif word == "RENAME" and self._next and self._next.text.upper() != "OBJECT":
            node = self._within_guessed_end(lambda: self._parse_as_command(self._curr))
        elif word == "RENAME" and self._next:
            self._advance(2)
            self._match(TokenType.DCOLON)
            table = self._parse_table_parts(schema=True)
            if not self._match_text_seq("TO"):
                self.raise_error("Expecting TO <new name> in RENAME OBJECT")
            node = RenameObject(this=table, to=self._parse_id_var(any_token=False))
        elif start.token_type in (TokenType.DELETE, TokenType.UPDATE, TokenType.INSERT) \
                and self._next.text.upper() == "TOP":
            node = self._within_guessed_end(lambda: self._parse_as_command(self._curr))
        else:
            node = self._parse_greedy_then_bounded()
        if node is None:
            self.raise_error("Incorrect syntax")
        node.meta["line"], node.meta["col"] = start.line, start.col
        node.meta["sql"] = self._find_sql(start, self._prev)
        return node

    def _parse_greedy_then_bounded(self) -> exp.Expr:
        """sqlglot expects a ';' after each statement: when the next statement follows directly,
        it falls back to a Command or fails (``CREATE TABLE t (a int) COPY INTO ...`` reads COPY as
        a CLONE clause). Then parse again, bounded by where the next statement must begin."""
        index = self._index
        try:
            node = self._parse_statement()
        except ParseError:
            self._retreat(index)
            if self._guess_statement_end(index) >= len(self._tokens):
                raise
            return self._within_guessed_end(self._parse_statement)
        if isinstance(node, exp.Command):
            self._retreat(index)
            node = self._within_guessed_end(self._parse_statement)
        return node

    def _parse_body_statement(self, after: str) -> exp.Expr:
        while self._match(TokenType.SEMICOLON):
            pass
        if not self._curr or self._curr.token_type in (TokenType.END, TokenType.ELSE):
            self.raise_error(f"Expecting a statement after {after}")
        return self._parse_tsql_statement()

    def _routine_ahead(self) -> bool:
        if not self._curr or self._curr.token_type not in (TokenType.CREATE, TokenType.ALTER):
            return False
        words = [tok.text.upper() for tok in self._tokens[self._index:self._index + 4]]
        return any(words[:len(head)] == list(head) for head in _ROUTINE_HEAD)

    def _parse_procedure(self) -> Procedure:
        alter = self._curr.token_type == TokenType.ALTER
        self._advance()
        replace = self._match_pair(TokenType.OR, TokenType.ALTER)
        self._advance()  # PROC | PROCEDURE
        name = self._parse_table_parts(schema=True)
        wrapped = self._match(TokenType.L_PAREN)
        params = []
        if wrapped or self._curr.token_type == TokenType.PARAMETER or self._curr.text.startswith("@"):
            params = self._parse_csv(self._parse_function_parameter)
        if wrapped:
            self._match_r_paren()
        options = None
        if self._match(TokenType.WITH):
            options = self._parse_csv(lambda: self._parse_var(any_token=True) and self._parse_procedure_option_rest())
        if not self._match(TokenType.ALIAS):
            self.raise_error("Expecting AS before the procedure body")
        body = self._parse_statement_list(top_level=True)
        return Procedure(this=name, params=params, body=exp.Block(expressions=body),
                         replace=replace, alter=alter, options=options)

    def _parse_procedure_option_rest(self) -> exp.Expr:
        word = self._prev.text.upper()
        if word == "EXECUTE" and self._match(TokenType.ALIAS):
            return exp.var(f"EXECUTE AS {self._parse_var(any_token=True) or self._parse_string()}")
        return exp.var(word)

    def _within_guessed_end(self, parse):
        size = self._tokens_size
        self._tokens_size = self._guess_statement_end(self._index)
        self._advance(0)
        try:
            return parse()
        finally:
            self._tokens_size = size
            self._advance(0)

    def _guess_statement_end(self, start: int) -> int:
        """Index of the first token that must begin another statement (lexical, depth 0)."""
        tokens, depth, cases = self._tokens, 0, 0
        first = tokens[start].text.upper()
        for i in range(start + 1, len(tokens)):
            tok = tokens[i]
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
            elif depth or tok.token_type in _QUOTED:
                continue
            elif tok.token_type == TokenType.SEMICOLON:
                return i
            word, prev = tok.text.upper(), tokens[i - 1].text.upper()
            if tok.token_type == TokenType.WITH and _starts_cte(tokens, i):
                return i
            if word == "CASE":
                cases += 1
            elif word == "END" and cases:
                cases -= 1
            elif word not in RESERVED or (cases and word == "ELSE"):
                continue
            elif word == "IF" and prev in ("TABLE", "VIEW", "PROC", "PROCEDURE", "SCHEMA", "INDEX"):
                continue
            elif word == "SELECT" and prev in ("AS", "UNION", "ALL", "EXCEPT", "INTERSECT", ")") \
                    and first in ("CREATE", "INSERT", "WITH", "SELECT", "ALTER"):
                continue
            elif word == "SET" and first in ("UPDATE", "MERGE", "WITH"):
                continue
            elif word in ("INSERT", "UPDATE", "DELETE") and prev == "THEN":
                continue
            else:
                return i
        return len(tokens)

    # -- implicit aliases never swallow the next statement
    def _at_reserved(self) -> bool:
        curr = self._curr
        return bool(curr) and curr.token_type not in _QUOTED and curr.text.upper() in RESERVED

    def _parse_alias(self, this, explicit: bool = False):
        if self._at_reserved():
            return this
        return super()._parse_alias(this, explicit=explicit)

    def _parse_table_alias(self, alias_tokens=None):
        if self._at_reserved():
            return None
        return super()._parse_table_alias(alias_tokens=alias_tokens)


def _starts_cte(tokens, i: int) -> bool:
    """``WITH name AS (`` or ``WITH name (cols) AS (``: a common table expression begins at ``i``."""
    ahead = [t.token_type for t in tokens[i + 1:i + 3]]
    return len(ahead) == 2 and ahead[0] in (TokenType.VAR, TokenType.IDENTIFIER) and \
        ahead[1] in (TokenType.ALIAS, TokenType.L_PAREN)
