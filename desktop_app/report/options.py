"""Options of the printed order sheet (pure pydantic, no reportlab)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SheetOptions(BaseModel):
    """How to print the order sheet; the content always comes from the Plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    paper: Literal["a4", "letter"] = Field(default="a4", description="Paper size: A4 or US Letter.")
