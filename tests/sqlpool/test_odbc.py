"""The dedicated pool's ODBC connection string: driver choice and authentication (pure)."""
from __future__ import annotations

import pytest

from synhelpers.exceptions import ConfigError, SqlPoolError
from synhelpers.sqlpool.odbc import connection_string, pick_driver


def parse_odbc(string: str) -> dict[str, str]:
    """An ODBC connection string as the driver manager reads it: ``key=value`` pairs split on
    ``;``, a value in braces may hold anything, ``}}`` inside braces is one ``}``."""
    pairs, i = {}, 0
    while i < len(string):
        key_end = string.index("=", i)
        key = string[i:key_end]
        j = key_end + 1
        if j < len(string) and string[j] == "{":
            value, j = [], j + 1
            while True:
                if string[j] == "}":
                    if string[j + 1:j + 2] == "}":
                        value.append("}")
                        j += 2
                        continue
                    j += 1
                    break
                value.append(string[j])
                j += 1
            value = "".join(value)
        else:
            end = string.find(";", j)
            end = len(string) if end < 0 else end
            value, j = string[j:end], end
        assert key not in pairs, f"{key} twice in {string!r}"
        pairs[key] = value
        assert j == len(string) or string[j] == ";", string[j:]
        i = j + 1
    return pairs


@pytest.mark.parametrize("installed, chosen", [
    (["ODBC Driver 17 for SQL Server", "ODBC Driver 18 for SQL Server"], "ODBC Driver 18 for SQL Server"),
    (["SQLite3", "ODBC Driver 17 for SQL Server"], "ODBC Driver 17 for SQL Server"),
    (["ODBC Driver 18 for SQL Server"], "ODBC Driver 18 for SQL Server"),
])
def test_the_newest_of_driver_18_and_17_is_used(installed, chosen):
    assert pick_driver(installed) == chosen


@pytest.mark.parametrize("installed", [[], ["SQLite3", "ODBC Driver 13 for SQL Server"]])
def test_no_driver_is_named_with_what_is_installed(installed):
    with pytest.raises(SqlPoolError, match="ODBC Driver 18 or 17 for SQL Server") as err:
        pick_driver(installed)
    assert (", ".join(installed) or "none") in str(err.value)


@pytest.mark.parametrize("driver", ["ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server"])
def test_managed_identity_needs_no_secret(driver):
    pairs = parse_odbc(connection_string("mlverifypool", "ws.sql.azuresynapse.net", driver))
    assert pairs == {"Driver": driver, "Server": "tcp:ws.sql.azuresynapse.net,1433",
                     "Database": "mlverifypool", "Encrypt": "yes",
                     "TrustServerCertificate": "no", "Connection Timeout": "30",
                     "Authentication": "ActiveDirectoryMsi"}


@pytest.mark.parametrize("driver", ["ODBC Driver 18 for SQL Server", "ODBC Driver 17 for SQL Server"])
@pytest.mark.parametrize("auth, mode", [("sql", None),
                                        ("service_principal", "ActiveDirectoryServicePrincipal")])
def test_user_and_password_are_braced_so_they_cannot_add_keywords(driver, auth, mode):
    user, password = "app;Database=master", "p}w;Encrypt=no;{x}"
    pairs = parse_odbc(connection_string("pool", "ws.sql.azuresynapse.net", driver, auth,
                                         user, password))
    assert pairs["Uid"] == user and pairs["Pwd"] == password
    assert pairs["Database"] == "pool" and pairs["Encrypt"] == "yes"
    assert pairs.get("Authentication") == mode


def test_missing_settings_are_named():
    with pytest.raises(ConfigError, match="SYNHELPERS_SQLPOOL_SERVER"):
        connection_string("pool", "", "ODBC Driver 18 for SQL Server")
    with pytest.raises(ConfigError, match="SYNHELPERS_SQLPOOL_AUTH='kerberos'.*msi, sql, service_principal"):
        connection_string("pool", "s", "ODBC Driver 18 for SQL Server", "kerberos")
    with pytest.raises(ConfigError, match="needs a user"):
        connection_string("pool", "s", "ODBC Driver 18 for SQL Server", "sql", "u", None)
