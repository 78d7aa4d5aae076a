"""The ODBC side of a real dedicated SQL pool: which driver, which authentication, which string.

Pure but for :func:`installed_drivers` (which asks pyodbc). Microsoft's ODBC Driver 18 and 17 for
SQL Server both reach a dedicated pool; the newest installed one is used. Authentication is what a
dedicated pool accepts from a Spark pool:

- ``msi``: Azure AD managed identity (the workspace identity; no secret at all) -- the default
  without a user;
- ``sql``: SQL authentication, user and password (the password from Key Vault);
- ``service_principal``: an Azure AD application, its client id as user and its secret as password.

Every value is braced as ODBC requires (``}`` doubled), so a ``;`` in a user or password cannot
add a keyword to the string.
"""
from __future__ import annotations

import re

from ..exceptions import ConfigError, SqlPoolError

DRIVER_PATTERN = re.compile(r"ODBC Driver (\d+) for SQL Server")
SUPPORTED_DRIVERS = (18, 17)
AUTHENTICATIONS = {"msi": "ActiveDirectoryMsi", "sql": None,
                   "service_principal": "ActiveDirectoryServicePrincipal"}


def installed_drivers() -> list[str]:
    """The ODBC drivers unixODBC knows (``pyodbc.drivers()``)."""
    from .._compat import require
    return list(require("pyodbc", extra="synapse").drivers())


def pick_driver(installed: list[str]) -> str:
    """The newest of ODBC Driver 18 and 17 for SQL Server among ``installed``.

    Raises:
        SqlPoolError: neither is installed (the installed drivers are named).
    """
    versions = {}
    for name in installed:
        match = DRIVER_PATTERN.fullmatch(name.strip())
        if match and int(match.group(1)) in SUPPORTED_DRIVERS:
            versions[int(match.group(1))] = name.strip()
    if not versions:
        found = ", ".join(installed) if installed else "none"
        raise SqlPoolError(
            "No Microsoft ODBC driver for SQL Server is installed (ODBC Driver 18 or 17 for SQL "
            f"Server is needed to reach a dedicated SQL pool; installed drivers: {found}). "
            "Install msodbcsql18 (https://learn.microsoft.com/sql/connect/odbc/linux-mac/).")
    return versions[max(versions)]


def _braced(value: str) -> str:
    return "{" + str(value).replace("}", "}}") + "}"


def connection_string(pool: str, server: str, driver: str, authentication: str = "msi",
                      user: str | None = None, password: str | None = None) -> str:
    """The ODBC connection string of dedicated pool ``pool`` on ``server`` (the password is
    passed in, never stored).

    Raises:
        ConfigError: no server; an unknown authentication; a user or password missing for it.
    """
    if not server:
        raise ConfigError("The Synapse SQL endpoint is unknown: set SYNHELPERS_SQLPOOL_SERVER "
                          "(e.g. '<workspace>.sql.azuresynapse.net').")
    if authentication not in AUTHENTICATIONS:
        raise ConfigError(f"SYNHELPERS_SQLPOOL_AUTH={authentication!r} is not an authentication: "
                          f"use one of {', '.join(AUTHENTICATIONS)}.")
    if authentication != "msi" and not (user and password):
        raise ConfigError(f"Authentication {authentication!r} needs a user "
                          "(SYNHELPERS_SQLPOOL_USER) and its secret (Key Vault secret "
                          "'sqlpool-password').")
    # Driver 17 does not encrypt unless asked; 18 does: ask in both
    parts = [f"Driver={_braced(driver)}", f"Server={_braced(f'tcp:{server},1433')}",
             f"Database={_braced(pool)}", "Encrypt=yes", "TrustServerCertificate=no",
             "Connection Timeout=30"]
    if authentication == "msi":
        parts.append("Authentication=ActiveDirectoryMsi")
    else:
        parts += [f"Uid={_braced(user)}", f"Pwd={_braced(password)}"]
        if AUTHENTICATIONS[authentication]:
            parts.append(f"Authentication={AUTHENTICATIONS[authentication]}")
    return ";".join(parts)
