"""Print preview: shows the real order-sheet PDF (QtPdf), then prints exactly those pages."""

from __future__ import annotations

import logging

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Slot
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.widgets import alerts
from desktop_app.widgets.screen_fit import fit_to_screen

_log = logging.getLogger(__name__)


class PrintPreviewDialog(QDialog):
    """The order sheet as it will print; Print opens the printer dialog."""

    def __init__(self, pdf: bytes, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Print preview: {title}")
        self._bytes = QByteArray(pdf)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setAccessibleName("Order sheet preview")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        pages = self.document.pageCount()
        self.summary = QLabel(
            f"{pages} page{'s' if pages != 1 else ''}. This is the sheet that will be printed."
        )
        self.print_button = QPushButton("&Print...")
        self.print_button.setDefault(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(self._on_print_clicked)
        column = QVBoxLayout(self)
        column.addWidget(self.summary)
        column.addWidget(self.view, 1)
        column.addWidget(buttons)
        # Tab: the pages, Print, Close. (The button box left Close out of the Tab round: Tab
        # went from Print back to the pages, so Close was reached only by Escape or a click.)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        QWidget.setTabOrder(self.view, self.print_button)
        QWidget.setTabOrder(self.print_button, close)
        fit_to_screen(self, QSize(820, 960))  # its buttons stay on a 768-pixel screen
        self.printed = False
        self.printer_name = ""

    @classmethod
    def ask(cls, pdf: bytes, title: str, parent: QWidget | None = None) -> tuple[str | None, bool]:
        """Show the preview; return (printer name, True) once printed, else (None, False)."""
        dialog = cls(pdf, title, parent)
        dialog.exec()
        return (dialog.printer_name, True) if dialog.printed else (None, False)

    def print_to(self, printer: QPrinter) -> None:
        """Paint every page of the PDF onto `printer`, scaled to its printable area."""
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("the printer could not be started")
        try:
            dpi = printer.resolution()
            area = printer.pageLayout().paintRectPixels(dpi)
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                points = self.document.pagePointSize(page)
                scale = min(area.width() / points.width(), area.height() / points.height())
                size = QSize(int(points.width() * scale), int(points.height() * scale))
                image = self.document.render(page, size)
                painter.drawImage(QRect(0, 0, size.width(), size.height()), image)
        finally:
            painter.end()

    @Slot()
    def _on_print_clicked(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except OSError as exc:
            alerts.error(self, "Printing failed", str(exc))
            return
        self.printed = True
        self.printer_name = printer.printerName()
        _log.info("order sheet sent to printer %s", printer.printerName())
        self.accept()
