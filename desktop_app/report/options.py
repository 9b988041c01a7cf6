"""Options of the printed order sheet (pure pydantic, no reportlab)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def _running_build() -> str | None:
    from desktop_app.storage.build_info import current

    return current().build_sha256


class SheetOptions(BaseModel):
    """How to print the order sheet; the content always comes from the Plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paper: Literal["a4", "letter"] = Field(default="a4", description="Paper size: A4 or US Letter.")
    register_anchor: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,12}:[0-9a-f]{64}$",
        description="The audit register's head when the sheet is issued, 'COUNT:SHA256' (printed "
        "in the footer so that paper anchors the register's hash chain); None prints nothing.",
    )

    build_sha256: str | None = Field(
        default_factory=_running_build,
        pattern=r"^[0-9a-f]{64}$",
        description="The one-folder build that prints the sheet (its folder's SHA-256, from "
        "storage/build_info.py); None when run from source or an installed package.",
    )

    def build_text(self) -> str:
        """Return what the footer adds for `build_sha256` (empty when not a build)."""
        return "" if self.build_sha256 is None else f" | build {self.build_sha256[:16]}"

    def register_anchor_text(self) -> str:
        """Return what the footer adds for `register_anchor` (empty when there is none)."""
        if self.register_anchor is None:
            return ""
        count, _, head = self.register_anchor.partition(":")
        return f" | audit register: record {count}, head {head[:16]}"
