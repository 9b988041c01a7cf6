"""User-visible strings of the window, kept together so they can be reviewed as a set."""

from __future__ import annotations

APP_TITLE = "B12-K Planner"
PROBLEM_PREFIX = "Problem: "
NEEDED_PREFIX = "Needed: "
UNTITLED = "Untitled plan"

CHOOSE = "Choose..."
DATE_PLACEHOLDER = "YYYY-MM-DD"
DATETIME_PLACEHOLDER = "YYYY-MM-DD HH:MM"
AS_ABOVE = "as above"

# Panels
PATIENT_TITLE = "Patient"
REGIMEN_TITLE = "B12 regimen"
LABS_TITLE = "Baseline results (before the first B12 dose)"
ANAEMIA_TITLE = "Anaemia severity"
MODIFIERS_TITLE = "Risk modifiers"
FOLLOWUP_TITLE = "Results after the first dose"
BASELINE_TAB = "Baseline"
FOLLOWUP_TAB = "Follow-up results"
INPUT_TABS_NAME = "Input tabs (Ctrl+Tab switches)"
PLAN_VIEW_NAME = "Plan"
#: The trend chart's hold line and baseline marker (the numbers come from the plan).
TREND_HOLD = "HOLD supplements at {value} {unit} and above"
TREND_BASELINE = "baseline {value}"

PATIENT_LABELS = {
    "patient.identifier": "Hospital &number",
    "patient.name": "Na&me",
    "patient.date_of_birth": "Date of &birth",
    "patient.sex": "Se&x",
    "patient.weight_kg": "Wei&ght",
    "patient.ward": "Wa&rd",
}
SEX_TEXT = {"female": "Female", "male": "Male", "unknown": "Unknown"}

REGIMEN_LABELS = {
    "regimen.preset_id": "Regim&en",
    "regimen.first_dose_at": "First &dose at",
    "prescriber": "Pres&criber",
}

SAMPLES_AT = "Sam&ples taken at"
SAMPLES_AT_HELP = (
    "Sample time used for every result below whose own time is left blank "
    "('as above'). Give a result its own time when it was taken at another time."
)
NEED_SAMPLE_TIME = (
    "sample time missing: enter it here, or in 'Samples taken at' above "
    "(for example 2026-11-26 07:10)."
)
NEED_VALUE = "value missing: a sample time was entered but no result."
#: One tab stop per result (issue 17 item 4): what the keys are, said once above the results.
LAB_KEYS_HINT = (
    "Tab: the next result. In a result, {unit}: its unit; {own_time}: its own sample time."
)
LAB_UNIT_ACTION = "Choose the unit"
LAB_OWN_TIME_ACTION = "Own sample time"

SEVERITY_DERIVED_NONE = "Derived severity: shown when the plan can be made."
SEVERITY_DERIVED = "Derived from haemoglobin: {severity}"
OVERRIDE_CHECK = "&Override the derived severity"
OVERRIDE_LABELS = {
    "severity_override.severity": "Se&verity",
    "severity_override.reason": "Reason",
    "severity_override.clinician": "Clinician",
}
SEVERITY_TEXT = {"none": "None", "mild": "Mild", "moderate": "Moderate", "severe": "Severe"}

MODIFIER_LABELS = {
    "modifiers.k_lowering_drugs": "Potassium-&lowering drugs",
    "modifiers.k_raising_drugs": "Potassium-raising drugs",
    "modifiers.drug_list": "Drug list",
    "modifiers.conditions": "Conditions",
    "modifiers.planned_discharge_at": "Planned disch&arge",
}
#: The drug list's two states (issue 15 item 16): "none" is recorded with nothing ticked.
DRUG_LIST_TEXT = {
    "not_recorded": "Not recorded (medicines not reviewed)",
    "recorded": "Recorded: the drugs ticked above, or none",
}
CONDITION_TEXT = {
    "digoxin": "Takes digoxin",
    "cardiac_disease": "Cardiac disease or arrhythmia",
    "dialysis": "On dialysis",
    "oliguria": "Low urine output (oliguria)",
    "cannot_take_oral": "Cannot take oral medicines (nil by mouth)",
    "folic_acid_planned": "Folic acid is planned",
}

FOLLOWUP_HELP = (
    "Enter each potassium, magnesium or phosphate result taken after the first dose, with its "
    "sample time, then press Add result (or Enter). The plan shows the action due now."
)
FOLLOWUP_ADD = "&Add result"
FOLLOWUP_REMOVE = "Remove selected result"
FOLLOWUP_TEST = "&Test"
FOLLOWUP_VALUE = "Res&ult"
FOLLOWUP_TIME = "Sample ti&me"
FOLLOWUP_COLUMNS = ("Sample time", "Test", "Result as entered")
FOLLOWUP_ROW = "Result {n}"
OVERRIDE_ROW = "Prescriber override {n}"
FOLLOWUP_NONE = "No results after the first dose yet."
FOLLOWUP_TEST_PLACEHOLDER = "Choose: type K, Mg or PO4"
#: What a ward types for each follow-up test (case does not matter): the short forms written on
#: the ward and the start of the full name. Type-ahead picks a test only when what is typed starts
#: exactly one test's names; "P" (potassium or phosphate?) picks none.
FOLLOWUP_TEST_NAMES = {
    "potassium": ("k", "potassium"),
    "magnesium": ("mg", "magnesium"),
    "phosphate": ("po4", "phosphate"),
}
FOLLOWUP_NEED_TEST = "choose the test first (type K, Mg or PO4)."
FOLLOWUP_FUTURE = "the sample time {time} is later than now ({now}): check the date and time."

# Plan view
NOT_FOR_CLINICAL_USE = (
    "NOT FOR CLINICAL USE: protocol {protocol} {version} is '{status}' (not approved by a site)."
)
NOT_FOR_CLINICAL_USE_BECAUSE = "NOT FOR CLINICAL USE - {reason}."
PROTOCOL_SIGNED = "{reason}, signing key {key}"
PROTOCOL_NOT_APPROVED = "{state}, not approved"
NO_PLAN = "No plan yet: the plan cannot be made until these inputs are fixed."
NO_PLAN_EMPTY = "No plan yet: start by entering the patient, the regimen and the baseline results."
PLAN_CURRENT = "Plan for the inputs as they are now (calculated {when})."
ENGINE_FAILED = (
    "could not be calculated because of an internal error (details in the log file). "
    "No plan is shown; do not rely on an earlier plan or printout for these inputs."
)
WHY_SHOW = "why?"
WHY_HIDE = "hide why"
SHOW_ALL_REASONS = "Show the reason and sources of every line"

# Main window
STATUS_PROTOCOL = "Protocol {id} {version} | {status} | SHA-256 {sha}"
STATUS_APPROVED = "approved {date}"
STATUS_DRAFT = "{status}: NOT FOR CLINICAL USE"
SETTINGS_APPROVED = "Approval: APPROVED (signature verified with a key this workstation trusts)"
SETTINGS_NOT_APPROVED = "Approval: NOT FOR CLINICAL USE - {reason}"
SETTINGS_REGISTER_HELP = (
    "Empty: the local register file (one user). Shared register on PostgreSQL: its libpq\n"
    "service name (service=b12k) or a connection string (host=... dbname=... user=...).\n"
    "Never type a password here: your IT team puts it in a service file (pg_service.conf)\n"
    "or a password file (.pgpass). Applies to the next sheet recorded."
)
SETTINGS_REGISTER_PASSWORD = (
    "this register setting holds a password, which would be saved in plain text: remove it and "
    "ask IT to put it in a libpq service file (pg_service.conf) or a password file (.pgpass)"
)
#: The status bar's word for each approval state (logic/approval.py).
STATE_WORDS = {
    "draft": "DRAFT",
    "unverified": "APPROVAL NOT VERIFIED",
    "void": "APPROVAL VOID",
    "approved": "APPROVED",
}
PLAN_ID_ASSIGNED = (
    "{name} had no plan id, so it was given one: {id}. Save the plan to keep it (the window "
    "shows the plan as modified until then)."
)
PDF_MISSING = (
    "The order-sheet renderer cannot be loaded, so no PDF can be made. Reinstall B12-K Planner "
    "(bash scripts/setup.sh); until then, use the plan on screen."
)
AUDIT_MISSING = (
    "The audit register cannot be loaded: sheets are produced but NOT recorded, and issued "
    "sheets cannot be listed. Tell the pharmacist or IT, and keep a copy of each sheet."
)

# Prescriber overrides (plan view links and the override dialog)
OVERRIDE_LINK = {
    "change": "Change...",
    "decline": "Decline...",
    "move": "Move...",
    "remove": "Remove...",
    "tests": "Change tests...",
    "add": "Add a draw...",
    "withdraw": "Withdraw",
}
SCHEDULE_CHANGE_COLUMN = "Change"
SCHEDULE_PROGRESS_COLUMN = "Progress"
PROGRESS_HEADING = "Progress"
UNMATCHED_HEADING = (
    "Results since the first dose that count for no draw on this schedule (each is still in "
    "the results below):"
)
OVERRIDE_TITLE = {
    ("order", "change"): "Change the {electrolyte} order",
    ("order", "decline"): "Decline the {electrolyte} order",
    ("draw", "move"): "Move a monitoring draw",
    ("draw", "remove"): "Remove a monitoring draw",
    ("draw", "change"): "Change the tests of a monitoring draw",
    ("draw", "add"): "Add a monitoring draw",
}
OVERRIDE_INTRO = (
    "A prescriber's change to one line of the plan. The protocol's safety limits still apply: "
    "a change that crosses one is refused with the reason. The protocol's recommendation is kept "
    "beside the change, on screen and on the order sheet."
)
OVERRIDE_RECOMMENDED = "The protocol recommends:"
OVERRIDE_ADD_NOTE = "A draw the protocol does not schedule."
OVERRIDE_DRAW_NOW = "{tests}, at {when} (+{hours} hours after the first dose)."
OVERRIDE_FIELD_LABELS = {
    "product_id": "&Product",
    "units_per_dose": "&Units per dose",
    "times_per_day": "&Times a day",
    "review_after_hours": "Re&view after",
    "iv_rate": "IV &rate",
    "new_hours": "New &time",
    "tests": "T&ests",
    "reason": "Re&ason",
    "prescriber": "Prescri&ber",
}
OVERRIDE_ROUTE = {"oral": "by mouth", "iv": "intravenous"}
OVERRIDE_HOURS = "hours"
OVERRIDE_TIMES = "times a day"
OVERRIDE_PER_HOUR = "{unit}/hour"
OVERRIDE_NEW_HOURS = "= +{hours} hours after the first dose ({when}), day {day}"
OVERRIDE_NEW_HOURS_EMPTY = "A date and a 24-hour clock time, e.g. 2026-11-27 08:00."
OVERRIDE_REASON_HINT = "Why the plan is changed (printed on the order sheet)"
OVERRIDE_NEEDED = "required: {what}."
OVERRIDE_BEFORE_FIRST = "must be after the first B12 dose ({when})."
OVERRIDE_NO_TEST = "required: tick at least one test."
OVERRIDE_SHEET_CANNOT_PRINT = (
    "the order sheet could not print this: {problems}. Write the unit after the number, or the "
    "number in words."
)
#: A reason is prose (issue 17 item 5): its numbers need no unit, the sheet's other rules apply.
OVERRIDE_REASON_CANNOT_PRINT = (
    "the order sheet could not print this reason: {problems}. Write it as the sheet prints "
    "numbers (20, not 20.0; 0.5, not .5; a comma from 1,000) and without the banned abbreviations."
)
OVERRIDE_REFUSED = "Not added. The protocol's safety rules refuse this override:"
OVERRIDE_NOT_CONFIRMED = (
    "Not added: the difference from the protocol's recommendation was not confirmed."
)
OVERRIDE_CONFIRM_TITLE = "Differs from the protocol"
OVERRIDE_CONFIRM = "This differs from the protocol's recommendation: {recommended}. {question}"
OVERRIDE_CONFIRM_QUESTION = {
    "change": "Give it anyway?",
    "decline": "Decline it anyway?",
    "remove": "Remove it anyway?",
    "move": "Move it anyway?",
    "add": "Add it anyway?",
}
DRAW_TEST_TEXT = {
    "potassium": "Potassium (K)",
    "magnesium": "Magnesium (Mg)",
    "phosphate": "Phosphate",
    "fbc": "Full blood count",
    "reticulocytes": "Reticulocytes",
    "platelets": "Platelet count",
}
OVERRIDE_MARK_OUTSIDE = "PRESCRIBER OVERRIDE {n}: differs from the protocol"
OVERRIDE_MARK_INSIDE = "PRESCRIBER OVERRIDE {n}: within the protocol's recommendation"
OVERRIDE_WITHDRAW_TITLE = "Withdraw a prescriber override"
OVERRIDE_WITHDRAW = (
    "Withdraw override {n} ({what} by {prescriber}: {reason})? The plan goes back to the "
    "protocol's recommendation for that line."
)
OVERRIDE_ADDED = "Prescriber override {n} added: {what}."
OVERRIDE_WITHDRAWN = "Prescriber override {n} withdrawn."
OVERRIDE_NO_PLAN = (
    "There is no plan for the inputs as they are now, so no line can be changed. Fix the inputs "
    "listed in the plan panel first."
)
WITHDRAW_PROBLEM = "withdraw it"

# FHIR import and export
FHIR_IMPORT = "&Import results..."
FHIR_IMPORT_TIP = "Fill the form from a FHIR R4 file of lab results (you see what is taken first)"
FHIR_EXPORT = "E&xport FHIR..."
FHIR_EXPORT_TIP = "Write the plan as a FHIR R4 Bundle for a pharmacy or EHR system"
FHIR_IMPORT_TITLE = "Import results: what would be taken from {name}"
FHIR_ACCEPT = "&Accept: fill the form"
FHIR_NOTHING = "Nothing in this file would change the form."
FHIR_FILLS = "Accept fills: {fields}."
FHIR_CHECK = (
    "Check every value against the laboratory report before relying on it. Only Accept changes "
    "the form; the plan stays unsaved until you save it."
)
FHIR_PATIENT_CHECK = {
    "new": "Patient: the open plan names no patient; details are taken from the file if present.",
    "confirmed": "Patient: the file's patient matches the plan's.",
    "confirmed-by-user": "Patient: not identified by the file; you confirmed these results are "
    "for this plan's patient.",
}
FHIR_PATIENT_COLUMNS = ("Patient field", "Value in the file", "Where from", "Done", "Note")
FHIR_CONFIRM_TITLE = "Confirm the patient"
FHIR_CONFIRM = (
    "Are these results for {who}?\n\nThe file does not say enough about its patient to match the "
    "open plan (an identifier, or both name and date of birth). Answer Yes only if you have "
    "checked that they are this patient's results."
)
FHIR_IMPORTED = "Imported results from {name}: check them against the laboratory report."
FHIR_EXPORTED = "FHIR Bundle written: {path}"


FILE_CHANGED_ON_DISK = (
    "{name} was changed by another program after you opened it, so it was not overwritten: "
    "that version would have been lost. Use Save As to keep yours under another name, then "
    "compare the two."
)
DRAFT_DAMAGED = (
    "The autosaved draft could not be restored: it is damaged or was written by another version "
    "of the program. It was kept at {path} for support. You start with an empty plan."
)

#: What Export and Print say happened, on screen (issue 17 item 5).
SHEET_EXPORTED = "Order sheet written to {path}: {pages} page(s), {recorded}."
SHEET_PRINTED = "Order sheet sent to {printer}: {pages} page(s), {recorded}."
SHEET_RECORDED = "recorded in the audit register as record {record}"
SHEET_NOT_RECORDED = "NOT recorded in the audit register (see the warning above)"
SHEET_NO_REGISTER = "not recorded: the audit register is not available"

#: The override dialog's live daily total (the engine's own words for the new order).
OVERRIDE_TOTAL_LABEL = "Daily total with this dose"
OVERRIDE_TOTAL_WAITING = "Daily total: type the dose and how often to see it."
OVERRIDE_TOTAL_POTASSIUM = "Daily total with this dose: {total}."
OVERRIDE_TOTAL_ORDER = "With this dose: {order}"
OVERRIDE_TOTAL_REFUSED = "The protocol does not allow this dose: {problem}"
#: Stands in for the reason and name while the live total is worked out (never saved).
OVERRIDE_PREVIEW_WORDS = "preview"
