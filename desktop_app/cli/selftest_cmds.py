"""`b12k selftest`: run the safety campaigns (tests/safety) and print their figures.

The campaigns are pytest modules in a source checkout (tests/safety/test_campaign_*.py); this
command runs them in a child pytest at the chosen size and prints, per campaign, the cases
tried, the failures and the files lost. pytest and the other test dependencies are needed; the
command says how to install them when they are missing. See docs/safety/campaigns.md.
"""

from __future__ import annotations

import argparse

#: Campaign modules by the short name used on the command line, in the order they run.
CAMPAIGNS = {
    "engine": "test_campaign_engine.py",
    "files": "test_campaign_files.py",
    "faults": "test_campaign_faults.py",
    "gui": "test_campaign_gui.py",
    "sheets": "test_campaign_sheets.py",
    "register": "test_campaign_register.py",
    "times": "test_campaign_times.py",
    "modes": "test_campaign_modes.py",
}


def _cmd_selftest(args: argparse.Namespace) -> int:
    from desktop_app.cli.selftest_run import run_campaigns

    names = args.campaign or list(CAMPAIGNS)
    extra = [a for a in args.pytest_args if a != "--"]
    return run_campaigns(list(dict.fromkeys(names)), args.size, args.seed, extra)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `b12k selftest`."""
    p = sub.add_parser(
        "selftest",
        help="run the safety campaigns and print cases tried, failures and files lost",
        description="Run the safety campaigns of docs/safety/campaigns.md (a source checkout with "
        "the test dependencies is needed) and print their figures.",
    )
    p.add_argument(
        "--size",
        choices=("ci", "release"),
        default="ci",
        help="ci: a few minutes on two cores (default); release: the larger pre-release run",
    )
    p.add_argument(
        "--campaign",
        action="append",
        choices=list(CAMPAIGNS),
        help="run only this campaign (repeat for several; default: all)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="another seed, to explore further (default: fixed)"
    )
    p.add_argument(
        "pytest_args",
        nargs=argparse.REMAINDER,
        help="after --, extra pytest arguments (for example -- -x -k kill)",
    )
    p.set_defaults(func=_cmd_selftest)
