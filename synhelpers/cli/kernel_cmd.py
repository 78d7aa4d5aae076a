"""``synhelpers kernel install``: the local ``synapse_pyspark`` Jupyter kernel."""
from __future__ import annotations


def _install(args) -> int:
    from ..runtime.kernel import KERNEL_NAME, install_kernel
    print(f"Installed kernel '{KERNEL_NAME}' in {install_kernel(args.prefix)}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("kernel", help="the local synapse_pyspark kernel")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    install = actions.add_parser("install", help="install it in this environment")
    install.add_argument("--prefix", default=None)
    install.set_defaults(func=_install)
