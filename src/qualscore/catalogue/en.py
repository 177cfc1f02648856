"""The engine's words in English: one entry per message, ``str.format`` fields in
braces. Every catalogue has the same keys and the same fields (tests/test_catalogue.py)."""

from __future__ import annotations

WORDS: dict[str, str] = {
    "item": "item",
    "title": "title",
    "max": "max",
    "score": "score",
    "lost": "lost",
    "total": "total",
    "bonus": "bonus",
    "veto": "veto",
    "vetoed": "vetoed",
    "not_vetoed": "not triggered",
    "triggered": "triggered",
    "result": "result",
    "departments": "departments",
    "na": "not applicable",
    "inputs": "inputs",
    "criteria": "criteria",
    "content": "content",
    "met": "yes",
    "unmet": "no",
    "matched": "falls in",
    "band": "band",
    "none_matched": "no band matched",
    "deduct": "minus",
    "points": "points",
    "per": "per",
    "floor": "floor reached",
    "grade": "grade",
    "group": "group",
    "assessing": "assessed by",
    "lower": "floor",
    "cap": "cap",
    "no_cap": "no maximum",
    "capped": "over its cap, counted as",
    "count": "counts",
    "of": "out of",
    "sum": "sum",
    "rules": "rules",
    "facts": "facts",
    "engine": "engine",
    "fingerprint": "fingerprint",
    "category": "category",
    "indicator": "indicator",
    "possible": "possible",
    "clamped": "clamped to",
    "formula": "formula",
    "yes": "yes",
    "no": "no",
    "and": "and",
    "otherwise": "otherwise",
    "summary": "Summary",
    "by_category": "Scores by category",
    "items": "Items explained",
    "departments_view": "Points lost by department",
    "headroom": "Headroom",
    "gain": "item gain",
    "effective": "total gain",
    "action": "what would earn it",
    "shared": "shared",
    "explanation": "explanation",
    "part": "part",
    "cap_binds": "cap binds",
    "department": "department",
    "no_loss": "no points lost",
    "no_headroom": "every item at full points",
    "no_target": "no target for this entity ({label})",
    "no_value": (
        "no value for this entity ({label}: it "
        "reads a value the entity has not)"
    ),
    "no_records": "too few records to work it out ({label})",
    "verdict": "verdict",
    "verdict_met": "met",
    "verdict_not_met": "not met",
    "verdict_failed": "not met",
    "verdict_condition": "condition",
    "judged_evidence": "the assessors' evidence",
    "evidence_missing": "no evidence for {pieces}: the item scores 0",
    "supplier": "supplied by",
    "evidence": "evidence",
    "note": "note",
    "evidence_none": "none",
    "values": "Values worked out",
    "not_met": "not met",
    "read_score": "score of {title}",
    "read_applies": "{title} applies",
    "read_met": "{title} met",
    "no_cohort": (
        "not compared ({label}: this entity has no value "
        "to compare, or is outside the cohort)"
    ),
    "target_met": "met",
    "target_matrix": "Targets met",
    "target_missed": "missed",
    "lp": " (",
    "rp": ")",
    "comma": ", ",
    "list_sep": "; ",
    "entity": "entity",
    "source": "source",
    "period": "period",
    "scheme": "scheme",
    "date": "date",
    "biggest_losses": "Losses that cost the total most",
    "departments_most": "Departments whose losses cost the total most",
    "cost": "cost to total",
    "lost_cost": "lost {lost}, cost to total {cost}",
    "item_table": "Scores by item",
    "explanations": "Items explained",
    "page": "page {page} of {pages}",
    "next_step": "to earn more",
    "lost_points": "lost {lost}",
    "rank": "rank",
    "completion": "targets met",
    "failed": "not scored",
    "reason": "reason",
    "metadata": "about",
    "scored": "scored",
    "value": "value",
    "entity_report": "entity report",
    "written": "written",
    "writing": "writing",
    "scoring": "scoring",
    "compare": "Compared with last time",
    "previous": "last time",
    "change": "change",
    "per_started": (
        "one unit per {size}, a started {size} counting "
        "whole: {value} ÷ {size} rounded up = {units}"
    ),
    "per_whole": (
        "one unit per whole {size}, what is left under {size} not "
        "counting: {value} ÷ {size} rounded down = {units}"
    ),
    "no_shortfall": "no shortfall: 0 units",
    # -- YAML mistakes, told in the rule set's language (source/)
    "yaml_invalid": "not valid YAML: {detail}",
    "yaml_tab": (
        "a tab here; YAML indents and separates with spaces only: replace the tab with spaces"
    ),
    "yaml_fullwidth_colon": (
        "{key} is followed by the full-width colon '：', which YAML does not read as a key's "
        "colon: write {fixed}"
    ),
    "yaml_quote_eof": (
        "the quote {quote} on line {line}, column {col} is never closed: end the text with {quote}"
    ),
    "yaml_quote_runs_on": (
        "the quote {quote} on line {line}, column {col} is not closed on its line, so the text "
        "runs on to here: end the text with {quote} on line {line}"
    ),
    "yaml_open_eof": (
        "{opener} on line {line}, column {col} is not closed before the end of the file: "
        "close it with {closer}"
    ),
    "yaml_open_here": (
        "{opener} on line {line}, column {col} is not closed before this line: "
        "close it with {closer}"
    ),
    "yaml_flow_entry": (
        "{found} where ',' or {closer} was expected: separate the entries with ', ', and quote "
        "a value that holds ': ', ',' or a bracket"
    ),
    "yaml_stray_closer": "{closer} here closes nothing: remove it, or add the {opener} it closes",
    "yaml_colon_in_value": (
        "': ' inside the value of {key} reads as the colon of another key: quote the value: {fixed}"
    ),
    "yaml_indent": (
        "{text} starts in column {col}, in line with nothing above it: move it to {columns}"
    ),
    "yaml_indent_deeper": (
        "{text} starts in column {col}, right of {above} on line {line}, so it is read as part "
        "of its value: a key goes in {columns}; text is quoted"
    ),
    "yaml_column": "column {col} (as {text} on line {line})",
    "yaml_or": " or ",
    "yaml_no_colon": (
        "{text} stands where a key is expected but has no ': ' after it: write 'key: value', "
        "or indent it to go on from the value above"
    ),
    "yaml_split_comma": (
        "this comma ends the value of {owner} ({value}), so {piece} after it is read as a key "
        "without a value: to keep the comma in the text, quote the value: {fixed}"
    ),
    # -- explanations (scoring/, analyst/analysis.py)
    "colon": ": ",
    "names_sep": ", ",
    "failed_sep": "; ",
    "stop": ".",
    "quoted": "'{text}'",
    "condition": "condition",
    "pt": "{points} pt",
    "points_one": "{points} point",
    "points_other": "{points} points",
    # a count chosen by its number (scoring.words.plural): 1 unit, 2 units
    "units_one": "{n} unit",
    "units_other": "{n} units",
    "expr_true": "true",
    "expr_false": "false",
    "expr_not": "not {operand}",
    "expr_and": " and ",
    "expr_or": " or ",
    "expr_equals": "equals",
    "expr_if": "({body} if {test}, otherwise {orelse})",
    "fn_min": "min",
    "fn_max": "max",
    "fn_abs": "abs",
    "fn_ceil": "round up",
    "fn_floor": "round down",
    "fn_round_half_up": "round half up",
    "fn_round_places": "round half up to {places} places",
    "fn_sqrt": "square root",
    "fn_sum": "sum",
    "fn_count_if": "how many hold",
    "fn_all": "all hold",
    "fn_any": "any holds",
    "chain_ie": ", i.e. ",
    # a worked value after its name: 数值 3.5, but value = 3.5
    "worked_equals": "= ",
    "named": "{label} ({key})",
    "named_value": "{label} ({key}) = {shown}",
    "table_cell": "by the table: {picked} → {value}",
    "provenance": "source: {label} ({said})",
    "member_name": "name",
    "member_title": "{label} ({n})",
    "list_count": "count",
    "list_sum": "sum",
    "list_mean": "mean",
    "list_min": "lowest",
    "list_max": "highest",
    "list_trimmed_mean": "mean without the highest and the lowest",
    "list_weighted_mean": "weighted mean",
    "list_stdev": "standard deviation",
    "list_cv": "coefficient of variation",
    "list_share": "share",
    "list_records_one": "{label}: {n} record",
    "list_records_other": "{label}: {n} records",
    "list_kept": "{kept} of them meet the condition ({where})",
    "list_by": "grouped by {field}, each group's {take}",
    "list_none": "too few records to work it out",
    "list_rounded": "rounded to {places} places: {rounded}",
    "list_counted": "counted",
    "list_dropped": "not counted (its group's {take} is taken)",
    "list_not_met": "not counted ({when} does not hold)",
    "list_group": "group {group}",
    "list_more": "… {n} more",
    "list_left_out": "not counted ({where} does not hold)",
    "list_and_more": " ({n} in all)",
    "summary_penalty": "deducts {score} (at most {points})",
    "summary_bonus": "adds {score} (at most {points})",
    "summary_na": "scores {score} of {points} (not applicable: nothing lost)",
    "summary_scored": "scores {score} of {points} (lost {lost})",
    "open_penalty": "deducts {score} ({no_cap}{na})",
    "open_bonus": "adds {score} ({no_cap}{na})",
    "open_scored": "scores {score} ({no_cap}{na})",
    "open_na": "; not applicable",
    "rounded_score": "computed {exact}, rounded half up to {places} places: {score}",
    "cohort_given": "{given} (given, not computed here)",
    "cohort_own": "this entity {mine}, ",
    "cohort_own_scored": "this entity scored {mine}, ",
    "cohort_size": "{size} entities",
    "cohort_size_in": "{size} entities in {scope}",
    "cohort_left_out": " ({n} with no value left out)",
    "cohort_tied": " (tied with {n})",
    "cohort_rank": "{own}rank {rank} of {size}{tied}",
    "cohort_reverse_rank": "{own}rank from the bottom {rank} of {size}{tied}",
    "cohort_leaders_more": " and others, {n} in all",
    "cohort_share_of_best": "{own}{percent}% of the best ({who}, {best}; {size}), share {share}",
    "cohort_stat": "{own}{what} of {size}: {value}",
    "veto_result": "result {result}",
    "veto_grade": "grade {grade}",
    "veto_grade_at_most": "grade at most {grade}",
    "veto_na": "not applicable: its applies_to leaves this entity out; not decided",
    "veto_absent": "this entity has no value of {names} (not compared): not triggered",
    "tiers_value": "value",
    "tiers_bands": " (bands: {edges})",
    "tiers_none": "{said}: no band matched{bands}{otherwise}, {points} pt",
    "tiers_matched": '{said}: falls in band "{band}", {points} pt',
    "tiers_reach": "reach",
    "tiers_exceed": "exceed",
    "tiers_stay_at_most": "stay at or below",
    "tiers_get_below": "get below",
    "tiers_action": '{verb} {bound} (band "{band}")',
    "ded_start": "start at {start}",
    "ded_none": "nothing deducted",
    "ded_total": "{start} − {taken} = {before}, {score}",
    "ded_floored": "below the floor; floor reached: {score}",
    "ded_gross": "{units} × {points} pt = {gross} pt{most}, minus {deducted} pt",
    "ded_most": " (at most {most} pt)",
    "ded_most_capped": " (at most {most} pt, capped)",
    "ded_avoid": 'avoid the deduction "{label}"',
    "cases_change": "change from last year (%)",
    "cases_label": '"{label}"',
    "cases_none": "no condition held{otherwise}: {points} pt",
    "cases_held": '"{label}" holds: {points} pt',
    "cases_meet": 'meet "{label}"',
    "judged_default": "not judged: full marks by default, {points} pt",
    "judged_deducted": "judged: {deducted} pt deducted",
    "judged_deduction": "judged: {deducted} pt deducted, {score} / {points} pt",
    "judged_scored": "judged {score} / {points} pt",
    "judged_basis": " (evidence: {evidence})",
    "judged_assessor": " (assessor: {assessor})",
    "parts_capped": " (capped at the part's points)",
    "parts_avoid": 'avoid "{label}"',
    "parts_do": 'do "{label}"',
    "formula_where": "where {conditions}",
    "formula_raise": 'raise "{name}"',
    "target_actual": "actual = {actual}",
    "target_short": " (short by {arithmetic})",
    "target_line": "{said}; target {goal}: {state}, {points} pt",
    "target_reach_at_least": "meet the target {goal} (short by {short})",
    "target_reach_above": "meet the target {goal} (short by {short})",
    "target_reach_below": "meet the target {goal} (short by {short})",
    "target_reach_at_most": "meet the target {goal} (short by {short})",
    "rank_beyond": "{label}: rank {rank}, beyond the first {last}: {points} pt",
    "rank_scored": "{label}: rank {rank}: {points} pt by rank",
    "rank_deducted": "{label}: rank {rank}: -{points} pt by rank",
    "next_gain": "{action} would earn {gain} more",
    "sentence_tail": ", {score} pt",
    "sentence_bonus": " (at most {points})",
    "sentence_lost": " (of {points}, lost {lost})",
    # -- documents (report/html.py, document.py, docx.py, pdf.py, markdown.py, terminal.py)
    "html_lang": "en",
    "labelled": "{label}: {text}",
    "enum_sep": ", ",
    "sentence_end": ". ",
    "scheme_year": "{title} ({year})",
    "veto_held": "{state}: {effect}",
    "input_keyed": "{label} ({key}) = {value}",
    "titled_score": "{title} ({score} / {max})",
    "score_of": "score {score} / {max}",
    "score_of_lost": "score {score} / {max}, lost {lost}",
    "unchanged_items": "{count} items unchanged.",
    "unchanged_count": "{count} items unchanged",
    "more_hidden": "… {rest} more (--all shows every one)",
    # -- comparing with earlier years (report/compare.py, report/batch.py, cli/batch.py)
    "compare_rank_then": "rank last time",
    "compare_year": "{year}",
    "compare_total": "{total} {then} → {now} ({change})",
    "compare_rank": "; {rank} {then} → {now}",
    "compare_with": "; compared with {then}",
    "compare_renumbered": " (was {then_id})",
    "compare_items": "Item scores compared with last time",
    "compare_entity": "{entity}: total {then} → {now} ({change})",
    "compare_new": "not in {then}, scored now ({count}): {names}",
    "compare_gone": "in {then}, not scored now ({count}): {names}",
    "compare_changed": "Items whose score changed since last time",
    "compare_unchanged": "every entity's every item scores as last time",
    "compare_renumbered_since": "items renumbered since {then} (now ← then): {pairs}",
    "compare_years": "compared with: {years}",
    "batch_tie_rule": (
        "ranked by total, highest first; vetoed entities last; equal totals share a rank "
        "and are listed by name"
    ),
    "batch_judged_rule": (
        "judged, not scored: no total and no rank; listed by name, vetoed entities last"
    ),
    "batch_group_rule": (
        "each entity group is ranked on its own (on net totals, penalties deducted)"
    ),
    "batch_html_lang": "en",
    "batch_missed_bound": "✗ {actual} (needs {sign} {target})",
    "batch_short": "✗ short by {short}",
    "batch_names_sep": ", ",
    "batch_label_sep": ": ",
    "batch_scope": " ({scope})",
    "batch_left_out": " ({count} with no value left out: {names})",
    "batch_cohort_line": "{label}{scope}{value}, computed from {count}{left}",
    "batch_matrix_part": " ({first}–{last})",
    # -- spreadsheets (report/xlsx.py, report/batch_xlsx.py)
    "category_points": "{title} ({points})",
    # -- templates departments fill in (report/template.py, cli/template.py)
    "template_col_department": "department",
    "template_col_items": "items",
    "template_col_key": "key",
    "template_col_label": "label",
    "template_col_type": "type",
    "template_col_unit": "unit",
    "template_col_range": "range",
    "template_col_value": "value",
    "template_col_entity": "entity",
    "template_col_supplier": "supplier",
    "template_col_evidence": "evidence",
    "template_col_note": "note",
    "template_type_bool": "bool",
    "template_type_count": "count",
    "template_type_percent": "percent",
    "template_type_rate": "rate",
    "template_type_amount": "amount",
    "template_type_number": "number",
    "template_type_choice": "choice",
    "template_type_text": "text",
    "template_flag_true": "true",
    "template_flag_false": "false",
    "template_range_text": "text, one line",
    "template_range_any": "any number",
    "template_range_between": "{low}..{high}{whole}",
    "template_range_from": ">= {low}{whole}",
    "template_range_to": "<= {high}{whole}",
    "template_range_whole": " (whole number)",
    "template_judged_score": "score",
    "template_judged_deduction": "deduction",
    "template_judged_reason": "reason",
    "template_judged_evidence": "evidence",
    "template_judged_full": " (blank: full marks)",
    "template_judged_required": "required",
    "template_judged_optional": "optional",
    "template_sheet_facts": "facts",
    "template_sheet_guide": "instructions",
    "template_sheet_choices": "choices",
    "template_guide_title": "{title}: facts to fill in",
    "template_guide_what": (
        "This workbook collects the facts the scheme is scored on. Each department fills "
        "in its rows and sends it back; qualscore scores it by the scheme's rules."
    ),
    "template_guide_scheme": "Scheme: {title} (rule set {ruleset})",
    "template_guide_year": "Year: {year}",
    "template_guide_entity": "Entity: {entity}",
    "template_guide_how": "How to fill it in",
    "template_guide_rows": (
        "On the sheet “{sheet}”, one value per row, in the “{value}” column only; leave "
        "the other columns as they are, and add or remove no rows."
    ),
    "template_guide_numbers": (
        "Numbers are plain numbers, without a unit, thousands separators or a percent "
        "sign: 91.5 % is 91.5; the unit is in the “{unit}” column."
    ),
    "template_guide_ranges": (
        "A value lies within the “{range}” column's range; the sheet refuses one outside "
        "it and says why."
    ),
    "template_guide_flags": (
        "A yes/no question: choose true (done, or it happened) or false (not done, or it "
        "did not happen) from the drop-down (是 and 否 are read too)."
    ),
    "template_guide_choices": "A choice: one of the values its drop-down lists.",
    "template_guide_evidence": (
        "Evidence: name the document, its number or where it is kept in the “{evidence}” "
        "column; a value another department supplied names it in the “{supplier}” column; "
        "anything else goes in the “{note}” column."
    ),
    "template_guide_evidence_apart": "Send the evidence with this workbook, apart from it.",
    "template_guide_judged": (
        "Rows whose key starts with judged. are the assessors': their score (or "
        "deduction), reason and evidence."
    ),
    "template_guide_lists": (
        "The lists of records ({lists}) are not in this workbook: each has a table of its "
        "own, from qualscore template --list."
    ),
    "template_guide_departments": "Departments ({count})",
    "template_guide_count": "values to fill in",
    "template_check_title": "What to enter",
    "template_check_error": "Not accepted",
    "template_check_number": "number",
    "template_check_whole": "whole number",
    "template_check_between": "Enter a {what} from {low} to {high}.",
    "template_check_from": "Enter a {what} of at least {low}.",
    "template_check_to": "Enter a {what} of at most {high}.",
    "template_check_flag": "Choose {yes} or {no} from the drop-down.",
    "template_check_choice": "Choose one of the values the drop-down lists.",
    # -- departments, lint and the API (ruleset/, lint/, scoring/trace.py, cli/)
    "record_of": "{label} #{number}",
}
"""Words and sentences of the reports and explanations."""

STATS: dict[str, str] = {
    "max": "the highest",
    "min": "the lowest",
    "mean": "the mean",
    "median": "the median",
    "count": "the count",
    "sum": "the sum",
    "stdev": "the standard deviation",
    "stdev_sample": "the sample standard deviation",
    "cv": "the coefficient of variation",
    "weighted_mean": "the weighted mean",
}
"""What a value worked out over a cohort or a list is, by its statistic."""

WORKING: dict[str, str] = {
    "mean": "mean",
    "squares": "sum of squared deviations",
    "variance": "variance",
    "stdev": "standard deviation",
    "cv": "cv",
    "weights": "sum of weights",
    "weighted": "sum of weighted values",
    "weighted_mean": "weighted mean",
    "weight": "weight",
    "holds": "holds",
    "fails": "does not hold",
    "rounded": "to {places} places: {value}",
    "counted": "holds for {count} of {size}",
    "own_held": "{held} for this entity; ",
}
"""How a sum, spread, weighted mean or count_if was worked out."""
