"""Lab results as the plan shows them: units, text never rounded across a band edge, bands, rows."""

from __future__ import annotations

from datetime import datetime

from desktop_app.logic.plan import Electrolyte, FollowUpRow, InputUsed, LabRow
from desktop_app.logic.protocol import Analyte, Band, Protocol
from desktop_app.logic.textfmt import num, result
from desktop_app.logic.units import CanonicalLab, from_canonical, shown_decimals

_ELECTROLYTE_OF: dict[Analyte, Electrolyte] = {
    Analyte.potassium: "potassium",
    Analyte.magnesium: "magnesium",
    Analyte.phosphate: "phosphate",
}


def electrolyte_of(analyte: Analyte) -> Electrolyte:
    """Return the electrolyte an analyte is (KeyError for any other analyte)."""
    return _ELECTROLYTE_OF[analyte]


def lab_unit(proto: Protocol, analyte: Analyte) -> str:
    """Unit results are shown in: potassium in the site's unit, others canonical."""
    if analyte is Analyte.potassium:
        return f"{proto.potassium_unit}/L"
    return proto.analytes[analyte].canonical_unit


def lab_text(proto: Protocol, lab: CanonicalLab) -> str:
    """A result as shown, at the laboratory's precision (`units.shown_decimals`).

    The value was already rounded to exactly this when it was validated (`units.as_shown`), so
    the text and every comparison agree: never rounded across a band edge.
    """
    spec = proto.analytes[lab.analyte]
    unit = lab_unit(proto, lab.analyte)
    shown = from_canonical(spec, lab.value, unit)
    decimals = shown_decimals(spec, lab.entered_value, lab.entered_unit, unit)
    return result(shown, decimals, unit)


def used(proto: Protocol, lab: CanonicalLab) -> InputUsed:
    """Return a lab as an input a rule used (name, shown value, sample time)."""
    return InputUsed(
        name=proto.analytes[lab.analyte].label,
        value=lab_text(proto, lab),
        sampled_at=lab.sampled_at,
    )


def _in_band(band: Band, value: float) -> bool:
    if band.lower is None:
        return True
    if band.lower_inclusive:
        return value >= band.lower.value
    return value > band.lower.value


def find_band(bands: tuple[Band, ...], value: float) -> Band:
    """Return the band a value falls in (the last band whose lower bound it reaches)."""
    found = bands[0]
    for band in bands:
        if _in_band(band, value):
            found = band
    return found


def k_band(proto: Protocol, value: float, cannot_take_oral: bool) -> Band:
    """Return the potassium band of a value; an oral band becomes 'not by mouth' when needed."""
    band = find_band(proto.potassium.bands, value)
    if band.action == "oral" and cannot_take_oral:
        return proto.potassium.not_by_mouth_band
    return band


def lab_rows(
    proto: Protocol,
    labs: dict[Analyte, CanonicalLab],
    first: datetime,
    current_at: datetime | None = None,
    *,
    computed_egfr: bool = False,
) -> tuple[LabRow, ...]:
    """Return the baseline results as displayed, flagged LOW/HIGH and AFTER FIRST DOSE/STALE.

    With `current_at` (the first dose lies before the monitoring window), results are current
    results: never AFTER FIRST DOSE, and STALE when too old at `current_at`.
    """
    p = proto
    rows = []
    stale = p.monitoring.stale_after_hours.value
    ranges = {
        Analyte.potassium: (p.potassium.normal_low.value, p.potassium.normal_high.value),
        Analyte.magnesium: (p.magnesium.normal_low.value, p.magnesium.normal_high.value),
        Analyte.phosphate: (p.phosphate.normal_low.value, p.phosphate.normal_high.value),
        Analyte.mcv: (p.anaemia.mcv_normal_low.value, p.anaemia.mcv_normal_high.value),
    }
    for analyte in Analyte:
        lab = labs.get(analyte)
        if lab is None:
            continue
        flags = []
        if analyte in ranges:
            low, high = ranges[analyte]
            if lab.value < low:
                flags.append("LOW")
            elif lab.value > high:
                flags.append("HIGH")
        if analyte in _ELECTROLYTE_OF and current_at is not None:
            if (current_at - lab.sampled_at).total_seconds() / 3600 > stale:
                flags.append("STALE")
        elif analyte in _ELECTROLYTE_OF:
            if lab.sampled_at > first:
                flags.append("AFTER FIRST DOSE")
            elif (first - lab.sampled_at).total_seconds() / 3600 > stale:
                flags.append("STALE")
        computed = computed_egfr and analyte is Analyte.egfr
        if computed:
            flags.append("COMPUTED")
        rows.append(
            LabRow(
                analyte=analyte.value,
                label=p.analytes[analyte].label,
                value=lab.value,
                text=lab_text(p, lab),
                entered_text=(
                    "computed from creatinine, age and sex (race-free CKD-EPI)"
                    if computed
                    else f"{num(lab.entered_value, 3)} {lab.entered_unit}"
                ),
                sampled_at=lab.sampled_at,
                flags=tuple(flags),
            )
        )
    return tuple(rows)


def followup_rows(
    proto: Protocol, followups: list[CanonicalLab], first: datetime, cannot_take_oral: bool
) -> tuple[FollowUpRow, ...]:
    """Return the results after the first dose, each with the band it falls in."""
    p = proto
    rows = []
    for fu in followups:
        if fu.analyte is Analyte.potassium:
            band = k_band(p, fu.value, cannot_take_oral)
        elif fu.analyte is Analyte.magnesium:
            band = find_band(p.magnesium.bands, fu.value)
        else:
            band = find_band(p.phosphate.bands, fu.value)
        rows.append(
            FollowUpRow(
                analyte=electrolyte_of(fu.analyte),
                value=fu.value,
                text=lab_text(p, fu),
                sampled_at=fu.sampled_at,
                hours_after_first_dose=(fu.sampled_at - first).total_seconds() / 3600,
                band_id=band.id,
                band_label=band.label,
                severity=band.severity,
            )
        )
    return tuple(rows)
