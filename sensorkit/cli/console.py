"""Terminal output shared by the CLI commands (rich, degrading to plain text off a TTY)."""

from __future__ import annotations

import sys

from rich.console import Console

__all__ = ["console", "error_console", "print_error"]

console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)


def print_error(message: str, hint: str | None = None) -> None:
    """Print one error line (and a hint line) on stderr."""
    error_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    if hint:
        error_console.print(f"[dim]hint:[/] {hint}", markup=True, soft_wrap=True)
    sys.stderr.flush()
