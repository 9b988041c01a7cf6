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
    "modifiers.conditions": "Conditions",
    "modifiers.planned_discharge_at": "Planned disch&arge",
}
CONDITION_TEXT = {
    "digoxin": "Takes digoxin",
    "cardiac_disease": "Cardiac disease or arrhythmia",
    "dialysis": "On dialysis",
    "oliguria": "Low urine output (oliguria)",
    "cannot_take_oral": "Cannot take oral medicines (nil by mouth)",
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
OVERRIDE_ROW = "Prescriber override {n} (kept from the plan file)"
FOLLOWUP_NONE = "No results after the first dose yet."

# Plan view
NOT_FOR_CLINICAL_USE = (
    "NOT FOR CLINICAL USE: protocol {protocol} {version} is '{status}' (not approved by a site)."
)
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
PLAN_ID_ASSIGNED = (
    "{name} had no plan id, so it was given one: {id}. Save the plan to keep it (the window "
    "shows the plan as modified until then)."
)
PDF_MISSING = (
    "Not available yet: the order-sheet renderer (desktop_app.report) is not installed in this "
    "build, so no PDF can be made. Use the plan on screen or the b12k command."
)
