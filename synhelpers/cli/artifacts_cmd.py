"""``synhelpers artifacts build|check|validate``: the Synapse workspace artifacts."""
from __future__ import annotations

from . import FAILED, OK


def _build(args) -> int:
    from ..artifacts import build_artifacts
    paths = build_artifacts(args.root)
    print(f"{len(paths)} artifacts in {args.root}/workspace_artifacts")
    return OK


def _check(args) -> int:
    from ..artifacts import check_artifacts, validate_artifacts
    problems = check_artifacts(args.root) + validate_artifacts(args.root)
    for problem in problems:
        print(problem)
    print("workspace_artifacts/ is up to date and valid" if not problems
          else f"{len(problems)} problem(s)")
    return OK if not problems else FAILED


def register(sub) -> None:
    p = sub.add_parser("artifacts", help="Synapse workspace artifacts (Git format)")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = actions.add_parser("build", help="regenerate workspace_artifacts/ from notebooks/")
    build.add_argument("--root", default=".", help="project root (default: %(default)s)")
    build.set_defaults(func=_build)
    check = actions.add_parser("check", help="fail when workspace_artifacts/ is stale or invalid")
    check.add_argument("--root", default=".")
    check.set_defaults(func=_check)
