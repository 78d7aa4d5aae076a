// The local stand-in of the Azure Synapse dedicated SQL pool connector, for Scala cells (%%spark).
//
// synhelpers.runtime.scala compiles this file into the driver JVM's Scala interpreter, so that the
// tutorial's Scala runs unchanged on a laptop:
//   import org.apache.spark.sql.SqlAnalyticsConnector._
//   import com.microsoft.spark.sqlanalytics.utils.Constants
//   df.write.sqlanalytics("mlverifypool.dbo.NYC_Taxi_spark", Constants.INTERNAL)
// It is never used in Synapse, where the real connector provides these names.
//
// The work is done in Python (synhelpers.sqlpool.connector_local) through `bridge`, a py4j callback:
// it receives the DataFrameWriter or DataFrameReader itself, so that the save mode set with
// `df.write.mode(...)` and the reader's options are honoured, and runs the same code as PySpark's
// `synapsesql`: executors stage Parquet, then one transaction loads it into the local pool.
// A failure comes back as a LocalSqlPoolException thrown by the Scala line that asked for it.
// The option names' values are local ones; code uses the names only.

package com.microsoft.spark.sqlanalytics.utils {
  object Constants {
    val INTERNAL = "internal"
    val EXTERNAL = "external"
    val SERVER = "server"
    val USER = "user"
    val PASSWORD = "password"
    val DATABASE = "database"
    val QUERY = "query"
    val TEMP_FOLDER = "tempFolder"
    val DATA_SOURCE = "dataSource"
    val STAGING_STORAGE_ACCOUNT_KEY = "stagingStorageAccountKey"
  }
}

package org.apache.spark.sql {
  object SqlAnalyticsConnector {
    import _root_.com.microsoft.spark.sqlanalytics.utils.Constants
    import scala.collection.JavaConverters._   // Scala 2.12 (Spark 3.5) and 2.13

    final class LocalSqlPoolException(message: String) extends RuntimeException(message)

    type Bridge = java.util.function.BiFunction[
      java.util.Map[String, String], Object, java.util.Map[String, Object]]

    /** Set by synhelpers when the interpreter is built: the Python side of the connector. */
    @volatile var bridge: Bridge = null

    private def call(target: Object, fields: (String, String)*): java.util.Map[String, Object] = {
      val b = bridge
      if (b == null) {
        throw new LocalSqlPoolException("The local SQL pool connector is not connected to " +
          "Python: run Scala through synhelpers (the %%spark magic of the synapse_pyspark kernel).")
      }
      val request = new java.util.HashMap[String, String]()
      fields.foreach { case (k, v) => if (v != null) request.put(k, v) }
      val result = b.apply(request, target)
      if (result == null || result.get("status") != "Succeeded") {
        val cause = if (result == null) "no answer from Python" else String.valueOf(result.get("error"))
        throw new LocalSqlPoolException(cause)
      }
      result
    }

    implicit class SqlAnalyticsWriter[T](writer: DataFrameWriter[T]) {
      /** The original API: creates the table (save mode from `write.mode(...)`, default error). */
      def sqlanalytics(tableName: String, tableType: String = Constants.INTERNAL): Unit =
        call(writer, "op" -> "write", "api" -> "sqlanalytics", "table" -> tableName,
          "tableType" -> tableType)

      /** The current API; `callBackHandle` receives the write's metrics (and the error, if any). */
      def synapsesql(tableName: String, tableType: String = Constants.INTERNAL,
                     location: Option[String] = None,
                     callBackHandle: Option[(Map[String, Any], Option[Throwable]) => Unit] = None): Unit = {
        try {
          val metrics = call(writer, "op" -> "write", "api" -> "synapsesql", "table" -> tableName,
            "tableType" -> tableType, "location" -> location.orNull)
          callBackHandle.foreach(_(metrics.asScala.toMap, None))
        } catch {
          case e: Throwable =>
            callBackHandle.foreach(_(Map("status" -> "Failed", "WriteFailureCause" -> e.getMessage), Some(e)))
            throw e
        }
      }
    }

    implicit class SqlAnalyticsReader(reader: DataFrameReader) {
      def sqlanalytics(tableName: String): DataFrame = read(tableName, "sqlanalytics")
      def synapsesql(tableNameOrQuery: String): DataFrame = read(tableNameOrQuery, "synapsesql")
      def synapsesql(): DataFrame = read(null, "synapsesql")

      private def read(name: String, api: String): DataFrame =
        call(reader, "op" -> "read", "api" -> api, "table" -> name)
          .get("dataframe").asInstanceOf[DataFrame]
    }
  }
}
