"""Scala cells (``%%spark``) in the driver JVM's own Scala interpreter, sharing the live session.

Synapse runs a notebook's Scala cells in the same Spark application as its Python cells. Locally,
:func:`run_scala` does the same: the pyspark wheel ships ``scala-compiler`` and ``spark-repl``, so
an ``IMain`` interpreter is built inside the driver JVM through py4j, once per Spark session
(2-10 s), with ``spark`` and ``sc`` bound to the session's own objects, as in Synapse.

A cell is interpreted as one unit (like the REPL's ``:paste``). What it prints (``println``,
``df.show()``) and the REPL's result lines are returned as the cell's output, in the form of the
session's Scala: ``val n: Long = 3`` on Scala 2.13 (Spark 4), ``n: Long = 3`` on Scala 2.12
(Spark 3.5, a Synapse pool). A compile error, a runtime exception or incomplete input raises
:class:`ScalaError` carrying the Scala message.

Values cross from Python to Scala the way Synapse shares them between languages: through the Spark
session (temporary views, ``spark.conf``), never by rewriting the cell.

Extensions compiled into every interpreter are named in :data:`INITIALIZERS` (``module:function``,
imported when an interpreter is built, so this module imports nothing else from the package): the
local dedicated SQL pool connector (``SqlAnalyticsConnector``), which Synapse provides in every
Scala session. Limitation: closures defined in a Scala cell (``rdd.map(x => ...)``) cannot be
shipped to executors, since the interpreter's classes are not served to them; DataFrame code works.
"""
from __future__ import annotations

import importlib
import threading

from ..exceptions import RuntimeSeamError

INITIALIZERS = ["synhelpers.sqlpool.connector_local:install_scala_connector"]
SETTINGS = "-usejavacp -Yrepl-class-based"

# Runs a cell with Console.out/err captured (println goes to the JVM's stdout otherwise) and binds
# values with the REPL's own @transient binding.
_RUNNER = """
package synhelpers.repl {
  object CellRunner {
    def run(imain: scala.tools.nsc.interpreter.IMain, code: String, out: java.io.PrintStream): String =
      Console.withOut(out) { Console.withErr(out) { imain.interpret(code).toString } }
    def bind(imain: scala.tools.nsc.interpreter.IMain, name: String, tpe: String, value: Any): String =
      imain.bind(name, tpe, value, List("@transient")).toString
  }
}
"""

_lock = threading.RLock()
_interpreters: dict[tuple, "ScalaInterpreter"] = {}


class ScalaError(RuntimeSeamError):
    """Raised when a Scala cell does not compile, throws, or is incomplete.

    ``kind`` is ``compile``, ``runtime`` or ``incomplete``; ``output`` is what the cell printed
    before failing (the message holds the compiler's or the exception's text).
    """

    def __init__(self, message: str, kind: str = "runtime", output: str = ""):
        super().__init__(message)
        self.kind, self.output = kind, output


class ScalaInterpreter:
    """A Scala interpreter (``IMain``) in the driver JVM of ``spark``."""

    def __init__(self, spark):
        self.spark = spark
        jvm = spark._jvm
        self._jvm = jvm
        self._report = jvm.java.io.StringWriter()
        settings = jvm.scala.tools.nsc.Settings()
        settings.processArgumentString(SETTINGS)
        self.scala_version = str(jvm.scala.util.Properties.versionNumberString())
        report = jvm.java.io.PrintWriter(self._report, True)
        if self.scala_version.startswith("2.12"):
            # Spark 3.x (a Synapse 3.5 pool): the reporter writes to the PrintWriter it is given
            self._imain = jvm.scala.tools.nsc.interpreter.IMain(settings, report)
        else:
            reporter = jvm.scala.tools.nsc.interpreter.shell.ReplReporterImpl(settings, report)
            self._imain = jvm.scala.tools.nsc.interpreter.IMain(settings, reporter)
        self._printed = jvm.java.io.ByteArrayOutputStream()
        self._out = jvm.java.io.PrintStream(self._printed, True, "UTF-8")
        self.keep: list = []                    # Python objects the JVM calls back (kept alive)
        self.compile(_RUNNER, "the synhelpers cell runner")
        self._runner = self.module("synhelpers.repl.CellRunner")
        self.bind("spark", "org.apache.spark.sql.SparkSession", spark._jsparkSession)
        self.bind("sc", "org.apache.spark.SparkContext", spark.sparkContext._jsc.sc())
        for name in INITIALIZERS:
            module, function = name.split(":")
            getattr(importlib.import_module(module), function)(self)
        self._take_output()

    # -- building blocks for initializers ----------------------------------------------------
    def compile(self, source: str, what: str = "Scala source") -> None:
        """Compile ``source`` (packages, objects) into the interpreter's class loader."""
        if not self._imain.compileString(source):
            printed, reported = self._take_output()
            raise ScalaError(f"Scala compile error in {what}:\n{reported}", "compile", printed)

    def module(self, name: str):
        """The instance of Scala ``object name`` compiled into this interpreter."""
        loader = self._imain.classLoader()
        return loader.loadClass(name + "$").getField("MODULE$").get(None)

    def bind(self, name: str, type_name: str, value) -> None:
        """Define ``name: type_name`` in the interpreter, holding ``value`` (a JVM object)."""
        result = self._runner.bind(self._imain, name, type_name, value)
        if result != "Success":
            raise ScalaError(f"Could not bind {name}: {type_name}:\n{self._take_output()[1]}")

    # -- running cells -----------------------------------------------------------------------
    def run(self, code: str) -> str:
        """Interpret ``code``; return what it printed plus the REPL's result lines."""
        if not code.strip():
            return ""
        with _lock:
            result = self._runner.run(self._imain, code, self._out)
            printed, reported = self._take_output()
        if result == "Success":
            return printed + reported
        if result == "Incomplete":
            raise ScalaError("Scala cell is incomplete (an unclosed bracket, brace, quote or "
                             f"comment?):\n{code.strip()[-200:]}", "incomplete", printed)
        kind = "compile" if "error:" in reported else "runtime"
        raise ScalaError(f"Scala {kind} error in %%spark cell:\n{reported.strip()}", kind, printed)

    def _take_output(self) -> tuple[str, str]:
        """(what the code printed, what the REPL reported: results, errors, stack traces)."""
        self._out.flush()
        printed = self._printed.toString("UTF-8")
        self._printed.reset()
        buffer = self._report.getBuffer()
        reported = buffer.toString()
        buffer.setLength(0)
        return printed, reported

    def close(self) -> None:
        try:
            self._imain.close()
        except Exception:  # the JVM may be gone already
            pass


def _session_key(spark) -> tuple:
    return (spark.sparkContext.applicationId, spark._jsparkSession.hashCode())


def get_interpreter(spark=None) -> ScalaInterpreter:
    """The Scala interpreter of ``spark`` (default: :func:`get_spark`), built on first use."""
    if spark is None:
        from .spark import get_spark
        spark = get_spark()
    key = _session_key(spark)
    with _lock:
        interpreter = _interpreters.get(key)
        if interpreter is None:
            for old_key in [k for k in _interpreters if k[0] != key[0]]:
                _interpreters.pop(old_key).close()   # a stopped SparkContext's interpreters
            interpreter = _interpreters[key] = ScalaInterpreter(spark)
        return interpreter


def run_scala(code: str, spark=None) -> str:
    """Run Scala ``code`` in the driver JVM; return its output (printed text and result lines).

    Example::

        run_scala('val n = spark.range(3).count()')   # -> 'val n: Long = 3\\n' (2.12: 'n: Long = 3')

    Raises:
        ScalaError: the code does not compile, throws (the Scala exception and stack trace are in
            the message), or is incomplete.
    """
    return get_interpreter(spark).run(code)
