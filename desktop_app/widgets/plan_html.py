"""The plan view's text as HTML, built from the Plan without Qt (tested without a display).

`PlanHtml` renders each section of the plan view; which lines show their reason ("why?") is
asked of the view through `is_open`. The labels shared with the order sheet come from
`desktop_app.logic.labels`; the window's other words from `ui_text`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.logic.labels import ELECTROLYTE_TITLES, override_action_word, override_targets
from desktop_app.logic.plan import BandRow, Draw, Order, OverrideNote, Plan, Reason, ReferenceEntry
from desktop_app.logic.progress import OVERDUE_WORD, UNMATCHED_TEXT
from desktop_app.logic.textfmt import clock, num, when
from desktop_app.widgets import ui_text

_LEVEL_WORD = {"danger": "DANGER", "warning": "WARNING", "info": "NOTE"}
#: Orders that hold a medicine a prescriber may decline (the others say "no order" or "hold").
_DECLINABLE = ("oral", "iv", "prescriber")
_TABLE = '<table cellspacing=0 cellpadding=3 border=1 width="100%">'


@dataclass(frozen=True)
class Problem:
    """One reason there is no plan: the model path, the field's label and the message."""

    path: str
    label: str
    message: str


#: The sheet tells a nurse to "call the doctor now"; the window, read by the prescriber, says
#: "escalate" (issue 17): the protocol's and the engine's sentences are reworded for the screen.
_SHEET_ONLY = re.compile(r"\b([Cc])all the doctor now\b")


def screen_words(text: str) -> str:
    """A plan sentence as the window words it ("Call the doctor now" becomes "Escalate now")."""
    return _SHEET_ONLY.sub(lambda m: "Escalate now" if m.group(1) == "C" else "escalate now", text)


def _e(text: object) -> str:
    return html.escape(screen_words(str(text)), quote=False)


def banner_html(plan: Plan) -> str:
    """The risk banner's text: tier, anaemia, factors, patient and first dose."""
    factors = len(plan.risk.factors)
    return (
        f"<b>{_e(plan.risk.label)}</b><br>{_e(plan.anaemia.text)}. "
        f"{factors} risk factor{'s' if factors != 1 else ''}. "
        f"{_e(plan.patient.name)} ({_e(plan.patient.identifier)}), age {plan.age_years}. "
        f"First B12 dose {_e(when(plan.first_dose_at))}."
    )


def problems_html(problems: Sequence[Problem]) -> str:
    """The list of inputs to fix, each a link to its field (or to withdraw its override)."""
    items = "".join(
        f"<li>{_problem_label(p)}: {_e(p.message)}" + _withdraw_problem_link(p.path) + "</li>"
        for p in problems
    )
    return f"<ul>{items}</ul>"


class PlanHtml:
    """The HTML of each plan-view section for one plan.

    Args:
        plan: the plan shown.
        is_open: whether the line with this key (like 'orders:0') shows its reason.
    """

    def __init__(self, plan: Plan, is_open: Callable[[str], bool]) -> None:
        self._plan = plan
        self._is_open = is_open
        self._refs: dict[str, ReferenceEntry] = {r.key: r for r in plan.references}

    def action(self) -> str:
        """Action now, with its reason."""
        plan = self._plan
        return self.line("action:0", plan.action_now.text, plan.action_now.reason)

    def why_link(self, key: str) -> str:
        """The "why?" link of a line (the words say whether it opens or closes)."""
        text = ui_text.WHY_HIDE if self._is_open(key) else ui_text.WHY_SHOW
        return f' <a href="why:{key}">{text}</a>'

    def why_block(self, key: str, reason: Reason) -> str:
        """The reason of an open line: rules, inputs used, sources, note ('' when closed)."""
        if not self._is_open(key):
            return ""
        parts = [
            f"<b>Rules:</b> {_e(', '.join(reason.rule_ids))}"
            + (" <b>(local policy)</b>" if reason.local_policy else "")
        ]
        if reason.inputs:
            used = "; ".join(
                f"{_e(i.name)} {_e(i.value)}"
                + (f" (sampled {_e(when(i.sampled_at))})" if i.sampled_at else "")
                for i in reason.inputs
            )
            parts.append(f"<b>Inputs used:</b> {used}")
        sources = []
        for key_ in reason.sources:
            ref = self._refs.get(key_)
            if ref is None:
                sources.append(_e(key_))
                continue
            grade = f"grade {ref.grade}" if ref.grade else "local policy"
            sources.append(f"{_e(key_)}: {_e(ref.title)} ({grade})")
        parts.append("<b>Sources:</b> " + "; ".join(sources))
        if reason.explanation:
            parts.append(f"<b>Note:</b> {_e(reason.explanation)}")
        return '<div style="margin-left:18px; font-size:small">' + "<br>".join(parts) + "</div>"

    def line(self, key: str, text: str, reason: Reason, prefix: str = "") -> str:
        """One line of text with its "why?" link and, when open, its reason."""
        return f"<p>{prefix}{_e(text)}{self.why_link(key)}</p>{self.why_block(key, reason)}"

    def risk(self) -> str:
        """Why this risk tier: the tier, each factor, the anaemia."""
        plan = self._plan
        out = [self.line("risk:tier", f"Risk tier: {plan.risk.label}", plan.risk.reason)]
        for i, factor in enumerate(plan.risk.factors):
            out.append(
                self.line(
                    f"risk:{i}",
                    f"{factor.label} ({factor.tier.value}-risk factor)",
                    factor.reason,
                    "&bull; ",
                )
            )
        out.append(self.line("risk:anaemia", plan.anaemia.text, plan.anaemia.reason))
        return "".join(out)

    def lines(self, name: str, lines: Sequence[Any], prefix: str = "&bull; ") -> str:
        """Lines with a text and a reason (gates, hold rules, escalation)."""
        return "".join(
            self.line(f"{name}:{i}", line.text, line.reason, prefix) for i, line in enumerate(lines)
        )

    def orders(self) -> str:
        """Orders now, each with its change and decline links, and the day's potassium."""
        plan = self._plan
        out = []
        for i, order in enumerate(plan.orders_now):
            label = ELECTROLYTE_TITLES[order.electrolyte]
            flag = " <b>[prescriber must confirm]</b>" if order.needs_prescriber else ""
            line = (
                f"<p><b>{label}:</b> {_e(order.text)}{flag}{self.why_link(f'orders:{i}')}"
                f"{_order_links(order)}</p>"
            )
            if order.override is not None:
                line = _boxed(_override_mark(order.override) + line + _note_html(order.override))
            out.append(line + self.why_block(f"orders:{i}", order.reason))
        out.append(f"<p><b>Total potassium:</b> {_e(plan.potassium_per_day_text)}.</p>")
        return "".join(out)

    def overrides(self) -> str:
        """The prescriber overrides: what, by whom, why, against what was recommended."""
        plan = self._plan
        what = override_targets(plan)
        out = []
        for n in plan.overrides:
            out.append(
                f"<p><b>{ui_text.OVERRIDE_ROW.format(n=n.index + 1)}</b>: "
                f"{_e(what[n.index])} {override_action_word(n.action)} by "
                f"{_e(n.prescriber)}. Reason: {_e(n.reason)}. Protocol recommended: "
                f"{_e(n.recommended_text.rstrip('.'))}."
                + (
                    " <b>Differs from the protocol</b> (second confirmation given)."
                    if n.outside_band
                    else " Within the protocol's recommendation."
                )
                + f" {_link(f'withdraw:{n.index}', ui_text.OVERRIDE_LINK['withdraw'])}</p>"
            )
        return "".join(out)

    def b12(self) -> str:
        """The B12 order and its loading doses."""
        plan = self._plan
        order = plan.b12_order
        doses = "; ".join(f"{d.number}) {when(d.at)}" for d in order.dose_times)
        return (
            self.line("b12:0", order.text, order.reason)
            + f"<p><b>Loading doses:</b> {_e(doses)}</p>"
        )

    def schedule(self) -> str:
        """The monitoring schedule as a table, with the links to change it."""
        plan = self._plan
        rows = [
            "<tr><th align=left>Date</th><th align=left>Clock time</th>"
            "<th align=left>After first dose</th><th align=left>Tests</th>"
            f"<th align=left>{ui_text.SCHEDULE_PROGRESS_COLUMN}</th><th></th>"
            f"<th align=left>{ui_text.SCHEDULE_CHANGE_COLUMN}</th></tr>"
        ]
        for i, draw in enumerate(plan.schedule):
            key = f"schedule:{i}"
            rel = (
                "before the first dose"
                if draw.before_first_dose
                else (f"+{num(draw.hours_after_first_dose)} hours, day {draw.day}")
            )
            day_text = when(draw.at).rsplit(" ", 1)[0]
            tests = _e(draw.label)
            if draw.override is not None:
                tests = _override_mark(draw.override) + tests + _note_html(draw.override)
            rows.append(
                f"<tr><td>{_e(day_text)}</td><td><b>{clock(draw.at)}</b></td><td>{_e(rel)}</td>"
                f"<td>{tests}</td><td>{_progress_cell(draw)}</td><td>{self.why_link(key)}</td>"
                f"<td>{_draw_links(draw)}</td></tr>"
            )
            block = self.why_block(key, draw.reason)
            if block:
                rows.append(f"<tr><td colspan=7>{_e(draw.purpose)}{block}</td></tr>")
        ends = when(plan.monitoring_ends_at)
        removed = "".join(
            _boxed(
                _override_mark(n)
                + f"<p>Removed: {_e(n.recommended_text)}.</p>"
                + _note_html(n, recommended=False)
            )
            for n in plan.overrides
            if n.action == "remove"
        )
        return (
            f"<p>First B12 dose: <b>{_e(when(plan.first_dose_at))}</b>. Potassium, magnesium and "
            f"phosphate monitoring runs until {_e(ends)}.</p>"
            f"{self.progress()}"
            f"{_TABLE}{''.join(rows)}</table>"
            f"{self.unmatched()}"
            f"{removed}<p>{_link('override:draw:add', ui_text.OVERRIDE_LINK['add'])}</p>"
        )

    def progress(self) -> str:
        """The schedule's progress note and its local-policy window, with its "why?"."""
        progress = self._plan.progress
        if progress.reason is None:  # the protocol sets no window and grace: say so, once
            return f"<p><b>{ui_text.PROGRESS_HEADING}:</b> {_e(progress.note)}</p>"
        note = _e(progress.note).replace(OVERDUE_WORD, f"<b>{OVERDUE_WORD}</b>")
        return (
            f"<p><b>{ui_text.PROGRESS_HEADING}:</b> {note}<br>"
            f"<i>{_e(progress.policy)}</i>{self.why_link('schedule:progress')}</p>"
            f"{self.why_block('schedule:progress', progress.reason)}"
        )

    def unmatched(self) -> str:
        """The results that count for no draw: listed, never dropped ('' when there are none)."""
        items = "".join(
            f"<li>{_e(r.short_name)} {_e(r.text)}, sampled {_e(when(r.sampled_at))}: "
            f"<b>{_e(UNMATCHED_TEXT)}</b></li>"
            for r in self._plan.progress.unmatched
        )
        return f"<p>{ui_text.UNMATCHED_HEADING}</p><ul>{items}</ul>" if items else ""

    def warnings(self) -> str:
        """Warnings, each with its level."""
        plan = self._plan
        return "".join(
            self.line(f"warnings:{i}", w.text, w.reason, f"<b>{_LEVEL_WORD[w.level]}:</b> ")
            for i, w in enumerate(plan.warnings)
        )

    def followups(self) -> str:
        """The results since the first dose."""
        plan = self._plan
        rows = [
            "<tr><th align=left>Sample time</th><th align=left>Test</th>"
            "<th align=left>Result</th><th align=left>After first dose</th>"
            "<th align=left>Band</th></tr>"
        ]
        for fu in plan.followups:
            rows.append(
                f"<tr><td>{_e(when(fu.sampled_at))}</td><td>{ELECTROLYTE_TITLES[fu.analyte]}</td>"
                f"<td>{_e(fu.text)}</td><td>+{num(fu.hours_after_first_dose, 1)} hours</td>"
                f"<td>{_e(fu.band_label)}</td></tr>"
            )
        return f"{_TABLE}{''.join(rows)}</table>"

    def bands(self, name: str, rows_: tuple[BandRow, ...]) -> str:
        """A band table: for each later result, what to do, recheck and alerts."""
        rows = [
            "<tr><th align=left>Result</th><th align=left>What to do</th>"
            "<th align=left>Recheck and alerts</th><th></th></tr>"
        ]
        for i, row in enumerate(rows_):
            key = f"{name}:{i}"
            alerts_ = []
            if row.recheck_hours:
                alerts_.append(f"recheck within {num(row.recheck_hours)} hours")
            if row.call_doctor:
                alerts_.append("<b>escalate</b>")
            if row.ecg:
                alerts_.append("<b>12-lead ECG</b>")
            if row.gated:
                alerts_.append("<b>prescriber decides</b>")
            order = ""
            if row.order is not None and not row.gated:
                order = f"<br>{_e(row.order.text)}"
            rows.append(
                f"<tr><td>{_e(row.label)}</td><td>{_e(row.instruction)}{order}</td>"
                f"<td>{'; '.join(alerts_)}</td><td>{self.why_link(key)}</td></tr>"
            )
            block = self.why_block(key, row.reason)
            if block:
                rows.append(f"<tr><td colspan=4>{block}</td></tr>")
        return f"{_TABLE}{''.join(rows)}</table>"

    def labs(self) -> str:
        """The baseline results."""
        plan = self._plan
        rows = [
            "<tr><th align=left>Test</th><th align=left>Result</th>"
            "<th align=left>As entered</th><th align=left>Sampled</th>"
            "<th align=left>Flags</th></tr>"
        ]
        for lab in plan.labs:
            rows.append(
                f"<tr><td>{_e(lab.label)}</td><td>{_e(lab.text)}</td><td>{_e(lab.entered_text)}</td>"
                f"<td>{_e(when(lab.sampled_at))}</td>"
                f"<td><b>{_e(', '.join(lab.flags))}</b></td></tr>"
            )
        return f"{_TABLE}{''.join(rows)}</table>"

    def foods(self) -> str:
        """Potassium-rich food advice."""
        plan = self._plan
        items = "".join(
            f"<li>{_e(f.name)}, {_e(f.portion)}: {_e(f.amount_text)}</li>" for f in plan.foods
        )
        return self.line("foods:note", plan.food_note.text, plan.food_note.reason) + (
            f"<ul>{items}</ul>"
        )

    def sources(self) -> str:
        """The sources, each linked to its original."""
        plan = self._plan
        items = []
        for ref in plan.references:
            grade = f"grade {ref.grade}" if ref.grade else "local policy"
            title = _e(ref.title)
            if ref.url:
                title = f'<a href="{html.escape(ref.url)}">{title}</a>'
            items.append(f"<li><b>{_e(ref.key)}</b> ({grade}): {title}</li>")
        return f"<ul>{''.join(items)}</ul>"


def _progress_cell(draw: Draw) -> str:
    """A draw's progress: the tick with its results, OVERDUE in words (not colour only), or
    what is awaited."""
    text = _e(draw.progress_text)
    if draw.overdue:
        return text.replace(OVERDUE_WORD, f"<b>{OVERDUE_WORD}</b>", 1)
    if draw.done:
        return f"<b>{text}</b>"
    return text


def _order_links(order: Order) -> str:
    if order.override is not None:
        return ""
    actions = ["change"] + (["decline"] if order.kind in _DECLINABLE else [])
    links = [_link(f"override:{order.electrolyte}:{a}", ui_text.OVERRIDE_LINK[a]) for a in actions]
    return "<br>" + " &nbsp; ".join(links)


def _draw_links(draw: Draw) -> str:
    if draw.before_first_dose:
        return ""
    hours = repr(draw.hours_after_first_dose)
    move, remove, tests = (
        _link(f"override:draw:{action}:{hours}", ui_text.OVERRIDE_LINK[name])
        for action, name in (("move", "move"), ("remove", "remove"), ("change", "tests"))
    )
    return f"{move}&nbsp; {remove}<br>{tests}"


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{_e(text)}</a>'


def _override_mark(note: OverrideNote) -> str:
    template = ui_text.OVERRIDE_MARK_OUTSIDE if note.outside_band else ui_text.OVERRIDE_MARK_INSIDE
    return f"<p><b>{_e(template.format(n=note.index + 1))}</b></p>"


def _note_html(note: OverrideNote, recommended: bool = True) -> str:
    text = (
        f"<p>{_e(override_action_word(note.action)).capitalize()} by "
        f"<b>{_e(note.prescriber)}</b>. Reason: {_e(note.reason)}."
    )
    if recommended:
        text += f"<br>Protocol recommended: {_e(note.recommended_text.rstrip('.'))}."
    link = _link(f"withdraw:{note.index}", ui_text.OVERRIDE_LINK["withdraw"])
    return f"{text} {link}</p>"


def _boxed(inner: str) -> str:
    """A framed block, so that an overridden line stands apart (the words say why)."""
    return (
        '<table cellspacing=0 cellpadding=4 border=2 width="100%"><tr><td>'
        f"{inner}</td></tr></table>"
    )


def _problem_label(problem: Problem) -> str:
    """The problem's field as a link to it; an override has no field (it offers withdraw)."""
    if problem.path.startswith("overrides["):
        return f"<b>{_e(problem.label)}</b>"
    return f'<a href="field:{_e(problem.path)}">{_e(problem.label)}</a>'


def _withdraw_problem_link(path: str) -> str:
    match = re.match(r"^overrides\[(\d+)\]", path)
    if match is None:
        return ""
    return f" ({_link(f'withdraw:{match[1]}', ui_text.WITHDRAW_PROBLEM)})"
