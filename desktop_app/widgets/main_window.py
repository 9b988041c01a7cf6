"""The main window: inputs beside the live plan, files, settings, autosave, export and print."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QLocale, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from desktop_app import __version__
from desktop_app.demo import demo_inputs_for
from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import B12KError, InputError, PlanFileError
from desktop_app.logic.models import Patient, PlanInputs, Regimen
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.override_check import OverrideRequest, check_override
from desktop_app.storage.autosave import Autosave, Draft
from desktop_app.storage.plan_files import read_plan_file, write_plan_file
from desktop_app.storage.settings import Preferences, save_preferences
from desktop_app.widgets import alerts, ui_text
from desktop_app.widgets.input_form import InputForm
from desktop_app.widgets.messages import MessageBar
from desktop_app.widgets.plan_view import PlanView, Problem

_log = logging.getLogger(__name__)


def _disk_stamp(path: Path | None) -> str | None:
    """SHA-256 of a file's bytes as it is on disk now (None when absent or unreadable)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None

#: Autosave interval (a UI choice, not a clinical number).
AUTOSAVE_MS = 3000
#: Recalculate the shown plan this often so that "action now" never goes stale.
REFRESH_MS = 60_000


def new_plan_id() -> str:
    """Return a fresh plan id, stable for the life of the plan (kept in its file)."""
    return "P-" + uuid.uuid4().hex[:12].upper()


def report_available() -> bool:
    """True when the order-sheet renderer package is installed (checked without importing it)."""
    try:
        spec = importlib.util.find_spec("desktop_app.report")
    except (ImportError, ValueError):
        return False
    if spec is None or spec.origin is None:
        return False
    origin = Path(spec.origin)
    return origin.name == "__init__.py" and origin.stat().st_size > 0


def audit_available() -> bool:
    """True when the audit register package is installed (checked without importing it).

    `find_spec` of the submodule would import the package (and sqlite3) at start-up.
    """
    try:
        spec = importlib.util.find_spec("desktop_app.audit")
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    return any(
        (Path(folder) / "issue.py").is_file() or (Path(folder) / "issue" / "__init__.py").is_file()
        for folder in spec.submodule_search_locations
    )


class MainWindow(QMainWindow):
    """Inputs on the left, the live plan on the right, protocol stamp always in the status bar."""

    def __init__(
        self,
        lp: LoadedProtocol,
        prefs: Preferences,
        *,
        now: Callable[[], datetime],
        autosave: Autosave,
        window_state: QSettings,
        save_prefs: Callable[[Preferences], None] = save_preferences,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._lp = lp
        self._prefs = prefs
        self._now = now
        self._autosave = autosave
        self._window_state = window_state
        self._save_prefs = save_prefs
        self._path: Path | None = None
        self._disk: str | None = None
        self._saved_raw: dict[str, Any] = {}
        self._autosaved_raw: dict[str, Any] | None = None
        self._pending: PlanInputs | None = None
        self._plan: Plan | None = None
        self._build()
        self._layout()
        self._connect()
        self._apply_protocol()
        # The first empty plan leaves any autosaved draft alone: the caller offers recovery.
        self._load_inputs(self._empty_inputs(), None, clear_draft=False)
        self.form.first_field().setFocus()
        self._restore_window_state()

    # ----- building ------------------------------------------------------------------------

    def _make_form(self) -> InputForm:
        decimal_comma = QLocale().decimalPoint() == ","
        form = InputForm(self._lp, self._prefs.unit_system, decimal_comma)
        form.setObjectName("inputForm")
        return form

    def _build(self) -> None:
        self.form = self._make_form()
        self.plan_view = PlanView()
        self.plan_view.setObjectName("planView")
        self.messages = MessageBar()
        self.protocol_label = QLabel()
        self.protocol_label.setObjectName("protocolStamp")
        self.protocol_label.setAccessibleName("Protocol in use")
        self.statusBar().addPermanentWidget(self.protocol_label, 1)
        self._recalc_timer = QTimer(self)
        self._recalc_timer.setSingleShot(True)
        self._recalc_timer.setInterval(0)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._build_actions()

    def _action(
        self, text: str, slot: Callable[[], object], shortcut: Any = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.act_new = self._action("&New", lambda: self.new_plan(), std.New)
        self.act_open = self._action("&Open...", self.open_dialog, std.Open)
        self.act_save = self._action("&Save", self.save, std.Save)
        self.act_save_as = self._action("Save &As...", self.save_as, std.SaveAs)
        self.act_demo = self._action(
            "Load &demo patient",
            self.load_demo,
            tip="Load the bundled demo patient (first dose moved to soon)",
        )
        self.act_export = self._action("&Export PDF...", self.export_pdf, "Ctrl+E")
        self.act_import_fhir = self._action(
            ui_text.FHIR_IMPORT, self.import_results, tip=ui_text.FHIR_IMPORT_TIP
        )
        self.act_export_fhir = self._action(
            ui_text.FHIR_EXPORT, self.export_fhir, tip=ui_text.FHIR_EXPORT_TIP
        )
        self.act_print = self._action("&Print...", self.print_sheet, std.Print)
        self.act_history = self._action(
            "Issued sheets (&history)...",
            self.show_history,
            "Ctrl+H",
            tip="Find, view and reprint issued sheets",
        )
        self.act_settings = self._action("Se&ttings...", self.edit_settings, std.Preferences)
        if self.act_settings.shortcut().isEmpty():
            self.act_settings.setShortcut(QKeySequence("Ctrl+,"))
        self.act_quit = self._action("&Quit", self.close, std.Quit)
        if self.act_quit.shortcut().isEmpty():
            self.act_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.act_about = self._action("&About B12-K Planner", self.about)
        self.recent_menu = QMenu("Open &Recent", self)
        file_menu = self.menuBar().addMenu("&File")
        self.file_menu = file_menu
        for item in (
            self.act_new,
            self.act_open,
            self.recent_menu,
            None,
            self.act_save,
            self.act_save_as,
            None,
            self.act_import_fhir,
            self.act_demo,
            None,
            self.act_export,
            self.act_export_fhir,
            self.act_print,
            self.act_history,
            None,
            self.act_settings,
            None,
            self.act_quit,
        ):
            if item is None:
                file_menu.addSeparator()
            elif isinstance(item, QMenu):
                file_menu.addMenu(item)
            else:
                file_menu.addAction(item)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.act_about)
        available = report_available()
        for action in (self.act_export, self.act_print):
            action.setEnabled(available)
            if not available:
                action.setToolTip(ui_text.PDF_MISSING)
                action.setStatusTip(ui_text.PDF_MISSING)
        self.act_history.setEnabled(audit_available())
        # Whether FHIR export works is found out when the menu first opens: the check imports
        # the FHIR models, which start-up does not need.
        self._fhir_export: tuple[bool, str] | None = None
        file_menu.aboutToShow.connect(self._on_file_menu_about_to_show)
        file_menu.setToolTipsVisible(True)
        self._refresh_recent()

    def _layout(self) -> None:
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.form)
        self.splitter.addWidget(self.plan_view)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setChildrenCollapsible(False)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(4, 4, 4, 0)
        column.addWidget(self.messages)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.resize(1400, 900)
        self.splitter.setSizes([560, 840])

    def _connect(self) -> None:
        self._connect_form()
        self.plan_view.problem_activated.connect(self._on_problem_activated)
        self.plan_view.override_requested.connect(self._on_override_requested)
        self.plan_view.withdraw_requested.connect(self._on_withdraw_requested)
        self._recalc_timer.timeout.connect(self._on_recalc_timeout)
        self._autosave_timer.timeout.connect(self.autosave_now)
        self._refresh_timer.timeout.connect(self._on_refresh_timeout)
        self._autosave_timer.start()
        self._refresh_timer.start()

    def _connect_form(self) -> None:
        self.form.inputs_changed.connect(self._on_inputs_changed)
        self.form.input_errors_changed.connect(self._on_input_errors_changed)

    # ----- public API ----------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The plan file being edited (None for an unsaved plan)."""
        return self._path

    @property
    def protocol(self) -> LoadedProtocol:
        """The protocol in use."""
        return self._lp

    @property
    def preferences(self) -> Preferences:
        """The current preferences."""
        return self._prefs

    def is_dirty(self) -> bool:
        """True when what is typed differs from what was last opened, saved or started."""
        return self.form.raw_state() != self._saved_raw

    def current_plan(self) -> Plan | None:
        """Return the plan for the inputs as they are now, or None when there is none."""
        self.flush()
        return self._plan

    def flush(self) -> None:
        """Run a pending recalculation now (so callers never see a plan older than the inputs)."""
        if self._recalc_timer.isActive():
            self._recalc_timer.stop()
            self._recalculate()

    def new_plan(self, ask: bool = True) -> bool:
        """Start an empty plan (ward, prescriber and regimen from preferences and protocol)."""
        if ask and not self._maybe_save():
            return False
        self._load_inputs(self._empty_inputs(), None)
        self.form.first_field().setFocus()
        return True

    def load_demo(self) -> bool:
        """Load the bundled demo patient, moved so that its first dose is upcoming."""
        if not self._maybe_save():
            return False
        self._load_inputs(demo_inputs_for(self._now()), None)
        self.statusBar().showMessage(
            "Demo patient loaded (first dose moved to 3 hours from now).", 5000
        )
        return True

    def open_dialog(self) -> bool:
        """Ask for a plan file and open it."""
        if not self._maybe_save():
            return False
        folder = str(self._path.parent) if self._path else ""
        path = alerts.choose_open_path(self, folder)
        return self.open_path(path) if path else False

    def open_path(self, path: Path) -> bool:
        """Open a plan file; on any problem say so and leave the current work untouched."""
        try:
            inputs = read_plan_file(path)
        except InputError as exc:
            alerts.error(
                self,
                "Cannot open plan file",
                f"{path.name} is a plan file, but it has problems:\n\n"
                + "\n".join(f"- {p.path}: {p.message}" for p in exc.problems),
            )
            return False
        except B12KError as exc:
            alerts.error(self, "Cannot open plan file", str(exc))
            return False
        self._load_inputs(inputs, Path(path))
        self._remember_recent(Path(path))
        if not inputs.plan_id:
            # Without one the engine derives an id from the inputs, which changes on every edit.
            plan_id = new_plan_id()
            self.form.set_plan_id(plan_id)
            self.flush()
            self.messages.show_message(
                "info", ui_text.PLAN_ID_ASSIGNED.format(name=Path(path).name, id=plan_id), "plan_id"
            )
        self.statusBar().showMessage(f"Opened {path}", 5000)
        _log.info("opened %s", path)
        return True

    def save(self) -> bool:
        """Save to the current file, or ask where (Save As) for a new plan."""
        if self._path is None:
            return self.save_as()
        return self.save_to(self._path)

    def save_as(self) -> bool:
        """Ask where to save, then save."""
        inputs = self.form.current_inputs()
        suggested = (
            str(self._path)
            if self._path
            else (
                (inputs.patient.identifier if inputs and inputs.patient.identifier else "plan")
                + ".json"
            )
        )
        path = alerts.choose_save_path(self, suggested)
        return self.save_to(path) if path else False

    def save_to(self, path: Path) -> bool:
        """Save the inputs atomically to `path`; refuse while a field cannot be read."""
        inputs = self.form.current_inputs()
        if inputs is None:
            problems = self.form.entry_errors()
            alerts.error(
                self,
                "Cannot save yet",
                "These fields cannot be read, so the plan file would not hold what you typed. "
                "Fix them first (your draft is autosaved meanwhile):\n\n"
                + "\n".join(f"- {self.form.field_label(p)}: {m}" for p, m in problems.items()),
            )
            return False
        target = Path(path)
        if (
            self._path is not None
            and target.resolve() == self._path.resolve()
            and self._disk is not None
            and _disk_stamp(target) not in (None, self._disk)
        ):
            # Another program replaced the file after it was opened here: never overwrite
            # its version silently (the draft stays autosaved meanwhile).
            alerts.error(self, "Not saved: the file was changed elsewhere",
                         ui_text.FILE_CHANGED_ON_DISK.format(name=target.name))
            _log.warning("not saved: %s was changed by another program", target)
            return False
        try:
            write_plan_file(target, inputs)
        except PlanFileError as exc:
            alerts.error(self, "Cannot save plan file", str(exc))
            return False
        self._disk = _disk_stamp(target)
        self._path = Path(path)
        self._saved_raw = self.form.raw_state()
        self._remember_recent(self._path)
        self._autosave.clear()
        self._autosaved_raw = None
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        _log.info("saved %s", path)
        return True

    def autosave_now(self) -> None:
        """Write the draft now if it changed since the last autosave (and is unsaved)."""
        raw = self.form.raw_state()
        if raw == self._saved_raw:
            if self._autosaved_raw is not None:
                self._autosave.clear()
                self._autosaved_raw = None
            return
        if raw == self._autosaved_raw:
            return
        try:
            self._autosave.save(raw, self._path, self._now())
        except PlanFileError as exc:
            self.messages.show_message("warning", f"Autosave failed: {exc}", "autosave")
            return
        self._autosaved_raw = raw

    def restore_draft(self, draft: Draft) -> None:
        """Restore an autosaved draft; it stays unsaved (dirty) until saved."""
        self._path = Path(draft.file_path) if draft.file_path else None
        self._disk = _disk_stamp(self._path)
        self._saved_raw = {}
        try:
            self.form.set_raw_state(draft.fields)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            # A draft from another version, or damaged: keep it aside for support, start empty.
            _log.warning("autosaved draft could not be restored: %r", exc)
            kept = self._autosave.path.with_name(self._autosave.path.stem + ".damaged.json")
            try:
                self._autosave.path.replace(kept)
            except OSError:
                kept = self._autosave.path
            self._load_inputs(self._empty_inputs(), None, clear_draft=False)
            alerts.error(self, "Cannot recover the draft", ui_text.DRAFT_DAMAGED.format(path=kept))
            return
        if not self.form.plan_id():
            self.form.set_plan_id(new_plan_id())
        self.flush()
        self._update_title()
        self.messages.show_message(
            "info",
            f"Recovered the draft autosaved at {draft.saved_at:%Y-%m-%d %H:%M}. "
            "Check it, then save.",
            "recovered",
        )

    def edit_settings(self) -> bool:
        """Show the settings dialog; apply and save accepted preferences."""
        from desktop_app.widgets.settings_dialog import SettingsDialog

        result, ok = SettingsDialog.ask(self._prefs, self)
        if not ok or result is None:
            return False
        self.apply_settings(result.preferences, result.protocol)
        return True

    def apply_settings(self, prefs: Preferences, lp: LoadedProtocol) -> None:
        """Use new preferences and protocol; what is typed is kept."""
        rebuild = lp.sha256 != self._lp.sha256 or prefs.unit_system != self._prefs.unit_system
        self._prefs = prefs
        self._lp = lp
        self._store_prefs()
        self._apply_protocol()
        if rebuild:
            was_clean = not self.is_dirty()
            raw = self.form.raw_state()
            old = self.form
            self.form = self._make_form()
            self.splitter.replaceWidget(0, self.form)
            old.deleteLater()
            self._connect_form()
            self.form.set_raw_state(raw)
            if was_clean:
                self._saved_raw = self.form.raw_state()
            self.flush()
            self._update_title()

    def export_pdf(self) -> bool:
        """Write the linted order sheet PDF and record it in the audit register."""
        plan = self._plan_or_explain("export")
        inputs = self.form.current_inputs()
        if plan is None or inputs is None:
            return False
        report = self._report_module()
        if report is None:
            return False
        suggested = (
            self._path.with_suffix(".pdf")
            if self._path
            else Path(f"{plan.patient.identifier or 'plan'}-order-sheet.pdf")
        )
        path = alerts.choose_pdf_path(self, str(suggested))
        if path is None:
            return False
        options = self._sheet_options(report)
        try:
            audit = self._audit_module()
            if audit is not None:
                result = audit.export_and_record(
                    plan, inputs, self._lp, self._lp.data, path, options
                )
                self._audit_outcome(result)
            else:
                report.export_order_sheet(plan, path, options)
        except B12KError as exc:
            alerts.error(self, "Cannot export the order sheet", str(exc))
            return False
        self.statusBar().showMessage(f"Order sheet written: {path}", 5000)
        _log.info("exported order sheet %s", path)
        return True

    def print_sheet(self) -> bool:
        """Show the real, linted order-sheet PDF in a preview, print it, record it."""
        plan = self._plan_or_explain("print")
        inputs = self.form.current_inputs()
        if plan is None or inputs is None:
            return False
        report = self._report_module()
        if report is None:
            return False
        options = self._sheet_options(report)
        make = getattr(report, "checked_order_sheet", report.render_order_sheet)
        try:
            data = make(plan, options)
        except B12KError as exc:
            alerts.error(self, "Cannot make the order sheet", str(exc))
            return False
        from desktop_app.widgets.print_preview import PrintPreviewDialog

        printer, printed = PrintPreviewDialog.ask(data, f"Order sheet {plan.plan_id}", self)
        if not printed:
            return False
        audit = self._audit_module()
        if audit is not None:
            self._audit_outcome(
                audit.record_printed(
                    plan, inputs, self._lp, self._lp.data, data, options, printer=printer or ""
                )
            )
        return True

    def import_results(self) -> bool:
        """Ask for a FHIR file of lab results and import it (see `import_results_from`)."""
        if self.form.current_inputs() is None:
            self._explain_unreadable("Cannot import results yet")
            return False
        folder = str(self._path.parent) if self._path else ""
        path = alerts.choose_fhir_open_path(self, folder)
        return self.import_results_from(path) if path else False

    def import_results_from(self, path: Path) -> bool:
        """Show what a FHIR file would fill, from which Observation; fill the form on Accept.

        The import is undone by not saving: the plan is marked modified.
        """
        from desktop_app.fhir.errors import FhirImportError
        from desktop_app.fhir.importer import PatientUnconfirmedError
        from desktop_app.fhir.service import import_results_file
        from desktop_app.widgets.import_dialog import ImportResultsDialog

        inputs = self.form.current_inputs()
        if inputs is None:
            self._explain_unreadable("Cannot import results yet")
            return False
        path = Path(path)
        try:
            try:
                result = import_results_file(path, self._lp, inputs, now=self._now())
            except PatientUnconfirmedError:
                if not alerts.confirm_patient(
                    self, ui_text.FHIR_CONFIRM.format(who=self._patient_words(inputs))
                ):
                    return False
                result = import_results_file(
                    path, self._lp, inputs, now=self._now(), confirm_unidentified=True
                )
        except FhirImportError as exc:  # also another patient's results (PatientMismatchError)
            alerts.error(self, "Cannot import results", str(exc))
            return False
        accepted, ok = ImportResultsDialog.ask(result, path.name, self, self.form.field_label)
        if not ok or accepted is None:
            return False
        self.form.set_inputs(accepted.inputs)
        self._pending = accepted.inputs
        self._recalculate()
        self._update_title()
        self.messages.show_message("info", ui_text.FHIR_IMPORTED.format(name=path.name), "fhir")
        _log.info(
            "imported %s: %d used, %d refused", path, len(accepted.used), len(accepted.refused)
        )
        return True

    def export_fhir(self) -> bool:
        """Write the plan as a FHIR R4 Bundle (needs the optional 'fhir' extra)."""
        available, text = self._fhir_export_status()
        if not available:
            alerts.error(self, "FHIR export not available", text)
            return False
        plan = self._plan_or_explain("export")
        if plan is None:
            return False
        stem = self._path.stem if self._path else (plan.patient.identifier or "plan")
        path = alerts.choose_fhir_save_path(self, f"{stem}-fhir.json")
        if path is None:
            return False
        from desktop_app.fhir.service import export_plan_file

        try:
            export_plan_file(path, plan, self._lp)
        except B12KError as exc:
            alerts.error(self, "Cannot export FHIR", str(exc))
            return False
        self.statusBar().showMessage(ui_text.FHIR_EXPORTED.format(path=path), 5000)
        _log.info("exported FHIR bundle %s", path)
        return True

    def request_override(self, request: OverrideRequest) -> bool:
        """Ask for a prescriber override of one plan line; add it when the engine takes it."""
        plan = self.current_plan()
        inputs = self.form.current_inputs()
        if plan is None or inputs is None:
            alerts.error(self, "Cannot change the plan yet", ui_text.OVERRIDE_NO_PLAN)
            return False
        lp = self._lp
        from desktop_app.widgets.override_dialog import OverrideDialog

        result, ok = OverrideDialog.ask(
            request,
            plan,
            lp.protocol,
            self._prefs.prescriber_name or inputs.prescriber,
            lambda override: check_override(lp, inputs, override, now=self._now()),
            QLocale().decimalPoint() == ",",
            self,
        )
        if not ok or result is None:
            return False
        self.form.set_overrides(result.inputs.overrides)
        self.flush()
        what = f"{request.target} {ui_text.OVERRIDE_ACTION_TEXT[request.action]}"
        self.statusBar().showMessage(
            ui_text.OVERRIDE_ADDED.format(n=result.index + 1, what=what), 5000
        )
        _log.info("override %d added: %s", result.index + 1, result.override.model_dump_json())
        return True

    def withdraw_override(self, index: int) -> bool:
        """Withdraw the prescriber override at `index` (asks first); the plan is modified."""
        overrides = self.form.overrides()
        if not 0 <= index < len(overrides):
            return False
        ov = overrides[index]
        what = f"{ov.target} {ui_text.OVERRIDE_ACTION_TEXT[ov.action]}"
        question = ui_text.OVERRIDE_WITHDRAW.format(
            n=index + 1, what=what, prescriber=ov.prescriber, reason=ov.reason
        )
        if not alerts.confirm_withdraw(self, question):
            return False
        kept = tuple(o for i, o in enumerate(overrides) if i != index)
        self.form.set_overrides(kept)
        self.flush()
        self.statusBar().showMessage(ui_text.OVERRIDE_WITHDRAWN.format(n=index + 1), 5000)
        _log.info("override %d withdrawn: %s", index + 1, ov.model_dump_json())
        return True

    def show_history(self) -> None:
        """Show the audit register: issued sheets, read-only plans, identical reprints."""
        from desktop_app.widgets.history_dialog import HistoryDialog

        inputs = self.form.current_inputs()
        HistoryDialog.ask(None, inputs.patient.identifier if inputs else "", self)

    def about(self) -> None:
        """Show the version, the protocol and its intended use."""
        p = self._lp.protocol
        alerts.info(
            self,
            "About B12-K Planner",
            f"B12-K Planner {__version__}\n\nProtocol {p.protocol_id} {p.version} "
            f"({p.approval.status}).\n\nIntended use: {p.intended_use}",
        )

    # ----- helpers -------------------------------------------------------------------------

    def _empty_inputs(self) -> PlanInputs:
        return PlanInputs(
            plan_id=new_plan_id(),
            patient=Patient(ward=self._prefs.default_ward),
            regimen=Regimen(preset_id=self._lp.protocol.default_regimen),
            prescriber=self._prefs.prescriber_name,
        )

    def _load_inputs(self, inputs: PlanInputs, path: Path | None, clear_draft: bool = True) -> None:
        self._path = path
        self._disk = _disk_stamp(path)
        self.messages.dismiss("plan_id")
        self.form.set_inputs(inputs)
        self._saved_raw = self.form.raw_state()
        if clear_draft:
            self._autosave.clear()
        self._autosaved_raw = None
        self._pending = inputs
        self._recalculate()
        self._update_title()

    def _recalculate(self) -> None:
        inputs = self._pending if self._pending is not None else self.form.current_inputs()
        self._pending = None
        if inputs is None:
            self._show_entry_problems(self.form.entry_errors())
            return
        try:
            plan = evaluate(self._lp, inputs, now=self._now())
        except InputError as exc:
            self._plan = None
            problems = {p.path: p.message for p in exc.problems}
            self.form.show_problems(problems)
            self.form.show_derived_severity(None)
            self.plan_view.show_problems(self._problem_list(problems))
            return
        except Exception:
            # A fault in the engine: never leave the previous plan on screen as if current.
            self._plan = None
            self.form.show_derived_severity(None)
            self.plan_view.show_problems([Problem("(engine)", "Plan", ui_text.ENGINE_FAILED)])
            raise  # to sys.excepthook: logged, draft autosaved, crash dialog
        self._plan = plan
        self.form.show_problems({})
        self.form.show_derived_severity(plan.anaemia.derived)
        self.plan_view.show_plan(plan)

    def _explain_unreadable(self, title: str) -> None:
        alerts.error(
            self,
            title,
            "These fields cannot be read. Fix them first:\n\n"
            + "\n".join(
                f"- {self.form.field_label(p)}: {m}" for p, m in self.form.entry_errors().items()
            ),
        )

    @staticmethod
    def _patient_words(inputs: PlanInputs) -> str:
        pat = inputs.patient
        parts = [pat.name, pat.identifier] if pat.name or pat.identifier else []
        if not pat.identifier and pat.date_of_birth is not None:
            parts.append(f"born {pat.date_of_birth.isoformat()}")
        return ", ".join(p for p in parts if p) or "the patient of the open plan"

    def _fhir_export_status(self) -> tuple[bool, str]:
        if self._fhir_export is None:
            from desktop_app.fhir.service import export_status

            self._fhir_export = export_status()
            available, text = self._fhir_export
            self.act_export_fhir.setEnabled(available)
            tip = ui_text.FHIR_EXPORT_TIP if available else text
            self.act_export_fhir.setToolTip(tip)
            self.act_export_fhir.setStatusTip(tip)
        return self._fhir_export

    def _show_entry_problems(self, errors: dict[str, str]) -> None:
        self._plan = None
        self.form.show_derived_severity(None)
        self.plan_view.show_problems(self._problem_list(errors))

    def _problem_list(self, problems: dict[str, str]) -> list[Problem]:
        return [Problem(path, self.form.field_label(path), msg) for path, msg in problems.items()]

    def _plan_or_explain(self, what: str) -> Plan | None:
        plan = self.current_plan()
        if plan is None:
            alerts.error(
                self,
                f"Cannot {what} yet",
                "There is no plan for the inputs as they are now. Fix the inputs listed "
                "in the plan panel first.",
            )
        return plan

    def _report_module(self) -> Any:
        try:
            module = importlib.import_module("desktop_app.report")
        except ImportError as exc:
            alerts.error(self, "Order sheet not available", f"{ui_text.PDF_MISSING} ({exc})")
            return None
        needed = ("render_order_sheet", "export_order_sheet", "SheetOptions")
        if not all(hasattr(module, name) for name in needed):
            alerts.error(self, "Order sheet not available", ui_text.PDF_MISSING)
            return None
        return module

    def _audit_module(self) -> Any:
        if not audit_available():
            return None
        return importlib.import_module("desktop_app.audit.issue")

    def _audit_outcome(self, result: Any) -> None:
        if result.warning:
            self.messages.show_message("warning", result.warning, "audit")
        elif result.record is not None:
            self.messages.dismiss("audit")
            _log.info("sheet recorded in the audit register (%s)", result.destination)

    def _sheet_options(self, report: Any) -> Any:
        paper = (
            "letter"
            if QLocale().territory() in (QLocale.Country.UnitedStates, QLocale.Country.Canada)
            else "a4"
        )
        return report.SheetOptions(paper=paper)

    def _maybe_save(self) -> bool:
        if not self.is_dirty():
            return True
        answer = alerts.ask_save_changes(self, self._display_name())
        if answer == "cancel":
            return False
        if answer == "save":
            return self.save()
        return True

    def _display_name(self) -> str:
        return self._path.name if self._path else ui_text.UNTITLED

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._display_name()}[*] - {ui_text.APP_TITLE}")
        self.setWindowModified(self.is_dirty())

    def _apply_protocol(self) -> None:
        p = self._lp.protocol
        if self._lp.not_for_clinical_use:
            status = ui_text.STATUS_DRAFT.format(status=p.approval.status.upper())
        else:
            status = ui_text.STATUS_APPROVED.format(date=p.approval.approval_date)
        text = ui_text.STATUS_PROTOCOL.format(
            id=p.protocol_id, version=p.version, status=status, sha=self._lp.sha256[:12]
        )
        self.protocol_label.setText(text)
        self.protocol_label.setToolTip(
            f"{p.title}\nSHA-256 {self._lp.sha256}\n{self._lp.source_name}"
        )
        self.plan_view.set_protocol(self._lp)

    def _remember_recent(self, path: Path) -> None:
        self._prefs = self._prefs.with_recent(path)
        self._store_prefs()
        self._refresh_recent()

    def _store_prefs(self) -> None:
        try:
            self._save_prefs(self._prefs)
        except PlanFileError as exc:
            self.messages.show_message("warning", f"Preferences not saved: {exc}", "prefs")

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for i, text in enumerate(self._prefs.recent_files):
            action = self.recent_menu.addAction(f"&{i + 1} {Path(text).name}")
            action.setToolTip(text)
            action.triggered.connect(lambda _c=False, t=text: self._open_recent(Path(t)))
        self.recent_menu.setEnabled(bool(self._prefs.recent_files))

    def _open_recent(self, path: Path) -> None:
        if self._maybe_save():
            self.open_path(path)

    def _restore_window_state(self) -> None:
        geometry = self._window_state.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        splitter = self._window_state.value("splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)

    def _save_window_state(self) -> None:
        self._window_state.setValue("geometry", self.saveGeometry())
        self._window_state.setValue("splitter", self.splitter.saveState())
        self._window_state.sync()

    # ----- slots ---------------------------------------------------------------------------

    @Slot(object)
    def _on_inputs_changed(self, inputs: PlanInputs) -> None:
        self._pending = inputs
        self._recalc_timer.start()
        self._update_title()

    @Slot(dict)
    def _on_input_errors_changed(self, errors: dict[str, str]) -> None:
        self._recalc_timer.stop()
        self._pending = None
        self._show_entry_problems(errors)
        self._update_title()

    @Slot()
    def _on_recalc_timeout(self) -> None:
        self._recalculate()

    @Slot()
    def _on_refresh_timeout(self) -> None:
        if not self._recalc_timer.isActive():
            self._recalculate()

    @Slot(str)
    def _on_problem_activated(self, path: str) -> None:
        self.form.focus_field(path)

    @Slot()
    def _on_file_menu_about_to_show(self) -> None:
        self._fhir_export_status()

    @Slot(object)
    def _on_override_requested(self, request: OverrideRequest) -> None:
        self.request_override(request)

    @Slot(int)
    def _on_withdraw_requested(self, index: int) -> None:
        self.withdraw_override(index)

    # ----- Qt overrides --------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._maybe_save():
            event.ignore()
            return
        self._autosave_timer.stop()
        self._refresh_timer.stop()
        self._autosave.clear()
        self._save_window_state()
        _log.info("closed cleanly")
        event.accept()
