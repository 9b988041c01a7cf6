"""The main window: inputs beside the live plan, the File menu, settings and the window state.

The plan document (file, saved state, draft) is `storage.document.PlanDocument`; the order
sheet actions are in `export_actions`, the FHIR ones in `fhir_actions`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QLocale, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from desktop_app import __version__
from desktop_app.demo import demo_inputs_for
from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import B12KError, InputError, PlanFileError
from desktop_app.logic.labels import override_action_word
from desktop_app.logic.models import Patient, PlanInputs, Regimen
from desktop_app.logic.override_check import OverrideRequest, check_override
from desktop_app.logic.plan import Plan
from desktop_app.logic.privacy import for_log
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage import build_info
from desktop_app.storage.autosave import Autosave, Draft
from desktop_app.storage.document import FileChangedError, PlanDocument
from desktop_app.storage.settings import Preferences, save_preferences
from desktop_app.widgets import alerts, ui_text
from desktop_app.widgets.export_actions import SheetActions
from desktop_app.widgets.fhir_actions import FhirActions
from desktop_app.widgets.input_form import InputForm
from desktop_app.widgets.messages import MessageBar
from desktop_app.widgets.plan_view import PlanView, Problem
from desktop_app.widgets.screen_fit import fit_to_screen

_log = logging.getLogger(__name__)


#: Autosave interval (a UI choice, not a clinical number).
AUTOSAVE_MS = 3000
#: Recalculate the shown plan this often so that "action now" never goes stale.
REFRESH_MS = 60_000


def new_plan_id() -> str:
    """Return a fresh plan id, stable for the life of the plan (kept in its file)."""
    return "P-" + uuid.uuid4().hex[:12].upper()


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
        self._window_state = window_state
        self._save_prefs = save_prefs
        self._document = PlanDocument(autosave)
        self._sheets = SheetActions(self)
        self._fhir = FhirActions(self)
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
        form = InputForm(self._lp, self._prefs.unit_system, decimal_comma, now=self._now)
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
        # Whether FHIR export works is found out when the menu first opens: the check imports
        # the FHIR models, which start-up does not need.
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
        # The whole free screen share (a 1366x768 ward screen, or 1920x1080): restored later from
        # the saved geometry when there is one.
        fit_to_screen(self, QSize(0, 0))
        self.splitter.setSizes([self.width() * 5 // 11, self.width() * 6 // 11])

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
        return self._document.path

    def now(self) -> datetime:
        """The clock the window plans with."""
        return self._now()

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
        return self._document.is_dirty(self.form.raw_state())

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
        folder = str(self.path.parent) if self.path else ""
        path = alerts.choose_open_path(self, folder)
        return self.open_path(path) if path else False

    def open_path(self, path: Path) -> bool:
        """Open a plan file; on any problem say so and leave the current work untouched."""
        try:
            inputs = self._document.open(path)
        except InputError as exc:
            alerts.error(
                self,
                "Cannot open plan file",
                f"{path.name} is a plan file, but it has problems:\n\n"
                + "\n".join(
                    f"- {self.form.field_label(p.path)}: {p.message}" for p in exc.problems
                ),
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
        _log.info("opened %s", for_log(path, inputs.patient))
        return True

    def save(self) -> bool:
        """Save to the current file, or ask where (Save As) for a new plan."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        """Ask where to save, then save."""
        inputs = self.form.current_inputs()
        suggested = (
            str(self.path)
            if self.path
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
        try:
            self._document.save(target, inputs, self.form.raw_state())
        except FileChangedError:
            # Another program replaced the file after it was opened here: never overwrite
            # its version silently (the draft stays autosaved meanwhile).
            alerts.error(
                self,
                "Not saved: the file was changed elsewhere",
                ui_text.FILE_CHANGED_ON_DISK.format(name=target.name),
            )
            return False
        except PlanFileError as exc:
            alerts.error(self, "Cannot save plan file", str(exc))
            return False
        self._remember_recent(target)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def autosave_now(self) -> None:
        """Write the draft now if it changed since the last autosave (and is unsaved)."""
        try:
            self._document.autosave(self.form.raw_state(), self._now())
        except PlanFileError as exc:
            self.messages.show_message("warning", f"Autosave failed: {exc}", "autosave")

    def restore_draft(self, draft: Draft) -> None:
        """Restore an autosaved draft; it stays unsaved (dirty) until saved."""
        self._document.restored(draft)
        try:
            self.form.set_raw_state(draft.fields)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            # A draft from another version, or damaged: keep it aside for support, start empty.
            _log.warning("autosaved draft could not be restored: %r", exc)
            kept = self._document.keep_damaged_draft()
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

        result, ok = SettingsDialog.ask(self._prefs, self, self._lp)
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
                self._document.mark_saved_state(self.form.raw_state())
            self.flush()
            self._update_title()

    def export_pdf(self) -> bool:
        """Write the linted order sheet PDF and record it (see `export_actions`)."""
        return self._sheets.export_pdf()

    def print_sheet(self) -> bool:
        """Preview the real order-sheet PDF, print it, record it (see `export_actions`)."""
        return self._sheets.print_sheet()

    def import_results(self) -> bool:
        """Ask for a FHIR file of lab results and import it (see `fhir_actions`)."""
        return self._fhir.import_results()

    def import_results_from(self, path: Path) -> bool:
        """Import lab results from a FHIR file after the user accepts them (see `fhir_actions`)."""
        return self._fhir.import_results_from(path)

    def export_fhir(self) -> bool:
        """Write the plan as a FHIR R4 Bundle (see `fhir_actions`)."""
        return self._fhir.export_fhir()

    def replace_inputs(self, inputs: PlanInputs) -> None:
        """Show `inputs` as an edit of the open plan (modified until saved) and recalculate."""
        self.form.set_inputs(inputs)
        self._pending = inputs
        self._recalculate()
        self._update_title()

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
            now=self._now,
        )
        if not ok or result is None:
            return False
        self.form.set_overrides(result.inputs.overrides)
        self.flush()
        what = f"{request.target} {override_action_word(request.action)}"
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
        what = f"{ov.target} {override_action_word(ov.action)}"
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
        self._sheets.show_history()

    def about(self) -> None:
        """Show the version, the protocol and its intended use."""
        p = self._lp.protocol
        alerts.info(
            self,
            "About B12-K Planner",
            f"B12-K Planner {__version__}\n{build_info.current().description}\n\n"
            f"Protocol {p.protocol_id} {p.version}: {self._lp.approval_state.reason}."
            f"\n\nIntended use: {p.intended_use}",
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
        self.messages.dismiss("plan_id")
        self.messages.set_patient(inputs.patient)
        self.form.set_inputs(inputs)
        self._document.loaded(path, self.form.raw_state(), clear_draft=clear_draft)
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

    def _show_entry_problems(self, errors: dict[str, str]) -> None:
        self._plan = None
        self.form.show_derived_severity(None)
        self.plan_view.show_problems(self._problem_list(errors))

    def _problem_list(self, problems: dict[str, str]) -> list[Problem]:
        return [Problem(path, self.form.field_label(path), msg) for path, msg in problems.items()]

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
        return self._document.display_name(ui_text.UNTITLED)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self._display_name()}[*] - {ui_text.APP_TITLE}")
        self.setWindowModified(self.is_dirty())

    def _apply_protocol(self) -> None:
        p = self._lp.protocol
        state = self._lp.approval_state
        if self._lp.not_for_clinical_use:
            status = ui_text.STATUS_DRAFT.format(status=ui_text.STATE_WORDS[state.state])
        else:
            status = ui_text.STATUS_APPROVED.format(date=state.approval_date)
        text = ui_text.STATUS_PROTOCOL.format(
            id=p.protocol_id, version=p.version, status=status, sha=self._lp.sha256[:12]
        )
        self.protocol_label.setText(text)
        self.protocol_label.setToolTip(
            f"{p.title}\n{state.reason}\nSHA-256 {self._lp.sha256}\n"
            f"content SHA-256 {state.content_sha256}\n{self._lp.source_name}"
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
        self.messages.set_patient(inputs.patient)
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
        self._fhir.export_status()

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
        self._document.closed()
        self._save_window_state()
        _log.info("closed cleanly")
        event.accept()
