"""``planqa``: the command line. Subcommands live in a registry, so adding one is one decorated function.

One module per command group: ``index_commands`` (build, docs, chunks, outline), ``search_commands``
(search, eval), ``answer_commands`` (ask, show, compare, cite); ``app_serve.py`` adds ``serve``, which needs the
UI (the ``planqa`` script is ``app_serve:cli``). Commands that need an index build the default one over
``seeds/`` if there is none, saying so on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

# The command groups, one module each; importing one registers its commands.
GROUPS: tuple[str, ...] = ("search.cli.index_commands", "search.cli.search_commands", "search.cli.answer_commands")


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None):
    """Register ``run(args) -> exit code`` as the subcommand ``name``; ``arguments`` adds its options."""

    def register(run: Callable[[argparse.Namespace], int | None]):
        COMMANDS[name] = Command(name, help, arguments, run)
        return run

    return register


# --- shared options and helpers (for plug-in commands too)
def add_index_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="index folder (default: $PLANQA_INDEX or .planqa/index)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars or notices on stderr")
    p.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", type=setting_arg,
                   help="a search setting for this run, e.g. rrf_k=30 or channel_weights=bm25:1,dense:0.5 "
                        "(fields of search.config.SearchConfig; also PLANQA_SEARCH_<FIELD>)")


def setting_arg(value: str) -> tuple[str, str]:
    name, sep, text = value.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"give FIELD=VALUE, e.g. rrf_k=30 (got {value!r})")
    return name.strip(), text


def add_json_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def channels_arg(value: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    if not names:
        raise argparse.ArgumentTypeError("give channel names separated by commas, e.g. bm25,dense")
    return names


def k_arg(value: str) -> int:
    """``--k``: a whole number in the engine's range (``search.limits``)."""
    from search.limits import Limits

    try:
        return Limits.from_env().check_k(int(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc) if value.lstrip("-").isdigit()
                                         else f"k must be a whole number, got {value!r}") from exc


def load_engine(args: argparse.Namespace):
    """The Engine of ``--index`` (the default one is built over seeds/ first if missing), with the
    search settings of the environment and ``--set``."""
    from search.config import SearchConfig
    from search.engine import Engine

    search_config = SearchConfig.from_env().with_overrides(dict(getattr(args, "set", None) or []))
    return Engine.load(args.index, quiet=getattr(args, "quiet", False), search_config=search_config)


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def one_line(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


# --- entry point
def parser() -> argparse.ArgumentParser:
    for module in GROUPS:
        importlib.import_module(module)
    top = argparse.ArgumentParser(prog="planqa", description="Search and question answering over Chinese plan texts.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.arguments(p)
        p.set_defaults(run=cmd.run)
    return top


def main(argv: list[str] | None = None) -> int:
    from index.store import IndexLoadError

    args = parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (IndexLoadError, ValueError, FileNotFoundError, ImportError) as exc:
        sys.stderr.write(f"planqa {args.command}: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
