"""The window's style sheet. Colour only ever repeats what the text already says (FMT-09)."""

from __future__ import annotations

STYLE_SHEET = """
QLabel#inlineMessage { color: #8a1c1c; font-weight: bold; }
QLabel#neededMessage { font-style: italic; }
QLineEdit[invalid="true"], QComboBox[invalid="true"], QTableWidget[invalid="true"] {
    border: 2px solid #b3261e;
}
QLabel#hint { font-style: italic; }
QLabel#columnHeader { font-weight: bold; }
QLabel#notForClinicalUse {
    background: #fff1c2; color: #5c3c00; border: 2px solid #8a6100;
    font-weight: bold; padding: 6px;
}
QLabel#planStatus { font-weight: bold; padding: 2px 0; }
QLabel#problems { padding: 4px; border: 1px solid #b3261e; }
QLabel#sectionTitle { font-weight: bold; font-size: 11pt; border-bottom: 1px solid palette(mid); }
QFrame#riskBanner { border: 2px solid palette(dark); border-radius: 4px; padding: 4px; }
QFrame#riskBanner[tier="high"] { background: #fbe3e1; border-color: #8c1d18; }
QFrame#riskBanner[tier="raised"] { background: #fff1c2; border-color: #8a6100; }
QFrame#riskBanner[tier="standard"] { background: #e3f1e5; border-color: #2e6b3a; }
QLabel#riskBannerText { font-size: 11pt; color: #1b1b1b; }
QFrame#message { border: 1px solid palette(dark); border-radius: 3px; }
QFrame#message[level="warning"] { background: #fff1c2; }
QFrame#message[level="error"] { background: #fbe3e1; }
QLabel#footer { font-size: 8pt; border-top: 1px solid palette(mid); padding-top: 3px; }
"""
