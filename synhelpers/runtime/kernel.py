"""Install a local Jupyter kernel named ``synapse_pyspark`` ("Synapse PySpark").

The repository's notebooks carry Synapse's kernelspec; this kernel lets papermill and Jupyter run
them unchanged on a laptop. It is this interpreter with the synhelpers cell magics loaded
(``%%spark`` for Scala, ``%%sql`` for Spark SQL), as Synapse notebooks have them.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "synapse_pyspark"
DISPLAY_NAME = "Synapse PySpark"


def kernel_spec() -> dict:
    """The kernel.json content (pure)."""
    return {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--ext=synhelpers.runtime.magics",
                 # the kernel's own start-up warnings (TCP without encryption) are noise here
                 "--IPKernelApp.log_level=ERROR"],
        "display_name": DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": False, "synhelpers": "local stand-in for Synapse PySpark"},
    }


def install_kernel(prefix: str | None = None) -> Path:
    """Install (or refresh) the kernelspec under ``prefix`` (default: this environment)."""
    from jupyter_client.kernelspec import KernelSpecManager
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / KERNEL_NAME
        folder.mkdir()
        (folder / "kernel.json").write_text(json.dumps(kernel_spec(), indent=1))
        dest = KernelSpecManager().install_kernel_spec(
            str(folder), KERNEL_NAME, prefix=prefix or sys.prefix)
    return Path(dest)


if __name__ == "__main__":
    print(f"Installed kernel '{KERNEL_NAME}' in {install_kernel()}")
