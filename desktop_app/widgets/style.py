"""How the window looks. Colour only ever repeats what the text already says (FMT-09).

Nothing is set application-wide. An application style sheet makes Qt style *every* widget
through QStyleSheetStyle, again whenever a widget is re-parented, which made building the window
and its first paint measurably slower (docs/benchmarks.md). Instead:

- labels that differ only in font or text colour (inline messages, hints, column headers, the
  plan's status line and section titles, the footer) get a font and a palette (`set_look`), a
  few widgets per window, no style sheet;
- the few widgets that need a border or a background (NOT FOR CLINICAL USE, the problem list,
  the risk banner, the message bar's messages) get their own small style sheet (`set_sheet`);
- an editor gets its red frame from its own style sheet, only while it is invalid
  (`set_invalid_frame`).

The footer's thin rule is painted by its label (`plan_view._FooterLabel`); the status line and
footer keep the half-'x' indent Qt gave them for the sheet's padding. The old sheet's bottom
border of section titles is gone: Qt never drew it (same pixels without it).

The object names stay (tests, accessibility tools and the sheets' selectors use them).
The FMT-09 contrast test (tests/safety/test_requirements.py) measures the colours the widgets
draw. The application runs in Qt's Fusion style with its standard (light) palette
(`apply_base_look`), so those are the colours on every desktop, dark themes included.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

#: The red frame of an editor whose value cannot be used (words say the same under it).
INVALID_FRAME = "#b3261e"


@dataclass(frozen=True)
class Look:
    """A label's font and text colour (None: as its parent's)."""

    bold: bool = False
    italic: bool = False
    point_size: int | None = None
    colour: str | None = None


#: Looks by object name: labels that need no border or background.
LOOKS: dict[str, Look] = {
    "inlineMessage": Look(bold=True, colour="#8a1c1c"),
    "neededMessage": Look(italic=True),
    "hint": Look(italic=True),
    "columnHeader": Look(bold=True),
    "planStatus": Look(bold=True),
    "sectionTitle": Look(bold=True, point_size=11),
    "footer": Look(point_size=8),
}

#: Style sheets by object name, each set on its own widget (and its children) only.
SHEETS: dict[str, str] = {
    "notForClinicalUse": """
QLabel#notForClinicalUse {
    background: #fff1c2; color: #5c3c00; border: 2px solid #8a6100;
    font-weight: bold; padding: 6px;
}""",
    "problems": """
QLabel#problems { padding: 4px; border: 1px solid #b3261e; }""",
    "riskBanner": """
QFrame#riskBanner { border: 2px solid palette(dark); border-radius: 4px; padding: 4px; }
QFrame#riskBanner[tier="high"] { background: #fbe3e1; border-color: #8c1d18; }
QFrame#riskBanner[tier="raised"] { background: #fff1c2; border-color: #8a6100; }
QFrame#riskBanner[tier="standard"] { background: #e3f1e5; border-color: #2e6b3a; }
QLabel#riskBannerText { font-size: 11pt; color: #1b1b1b; }""",
    "message": """
QFrame#message { border: 1px solid palette(dark); border-radius: 3px; }
QFrame#message[level="warning"] { background: #fff1c2; }
QFrame#message[level="error"] { background: #fbe3e1; }""",
}

#: An editor's own style sheet while it is invalid (its class names it: never its children).
#: The padding keeps a line edit or list as tall as when it is valid (the frame is thinner).
INVALID_SHEET = (
    'QLineEdit[invalid="true"], QComboBox[invalid="true"], QTableWidget[invalid="true"] '
    f"{{ border: 2px solid {INVALID_FRAME}; }}\n"
    'QLineEdit[invalid="true"], QComboBox[invalid="true"] { padding: 1px 0; }'
)


def apply_base_look(app: QApplication) -> None:
    """Fusion style and its standard light palette, whatever the desktop's theme.

    The looks and sheets above choose dark text and pale backgrounds; on a dark desktop palette
    the inherited colours would fall below the contrast FMT-09 asks for (dark red on dark grey).
    """
    style = QStyleFactory.create("Fusion")
    if style is not None:
        app.setStyle(style)
        app.setPalette(style.standardPalette())


def set_look(widget: QWidget, name: str) -> None:
    """Give `widget` the object name `name` and that name's font and text colour.

    Only what the look sets is fixed on the widget; the rest still follows its parent (a look
    replaces the previous one, as a changed object name did with the style sheet).
    """
    widget.setObjectName(name)
    look = LOOKS[name]
    font = QFont()  # resolves nothing: every attribute not set below is the parent's
    if look.bold:
        font.setBold(True)
    if look.italic:
        font.setItalic(True)
    if look.point_size:
        font.setPointSize(look.point_size)
    widget.setFont(font)
    palette = QPalette()
    if look.colour:
        palette.setColor(QPalette.ColorRole.WindowText, QColor(look.colour))
    widget.setPalette(palette)


def set_sheet(widget: QWidget, name: str) -> None:
    """Give `widget` the object name `name` and that name's own style sheet."""
    widget.setObjectName(name)
    widget.setStyleSheet(SHEETS[name])


def set_invalid_frame(widget: QWidget, invalid: bool) -> None:
    """Frame an editor in red while it is invalid (its own style sheet); remove it after.

    The dynamic property ``invalid`` says the same for tests and tools.
    """
    widget.setProperty("invalid", invalid)
    widget.setStyleSheet(INVALID_SHEET if invalid else "")
