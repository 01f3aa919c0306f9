"""Matching quality on a labelled set written in the newsrooms' styles.

Releases arrive in date order, as they would crawl after crawl; each is scored against every
thread (name, keywords, members so far) and joins the threads it scores high enough for, which
then match later releases with it as a member. Precision and recall must stay above floors.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

import pytest

from monitor.matching import MatchText, Rarity, ThreadIndex, ThreadProfile, match_text
from monitor.settings import THREAD_SETTINGS
from tests.newsrooms import DATA

LABELLED = json.loads((DATA / "threads" / "labelled.json").read_text())
DEFAULTS = {s.name: s.default for s in THREAD_SETTINGS}
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.65


@dataclass
class Outcome:
    joined: dict[str, set[str]]  # thread key -> release ids that joined
    suggested: dict[str, set[str]]
    reasons: dict[tuple[str, str], str]


def run_matching(match_at: float, suggest_at: float) -> Outcome:
    releases = sorted(LABELLED["releases"], key=lambda r: (r["published"], r["id"]))
    number = {r["id"]: i for i, r in enumerate(releases)}
    texts = {
        r["id"]: match_text(
            number[r["id"]], r["title"], r["body"], dt.date.fromisoformat(r["published"])
        )
        for r in releases
    }
    rarity = Rarity.of(t.words for t in texts.values())
    keys = [t["key"] for t in LABELLED["threads"]]
    index = ThreadIndex(
        [
            ThreadProfile(
                i,
                t["name"],
                tuple(t["keywords"]),
                [texts[s] for s in t["seeds"]],
                {texts[s].release_id for s in t["seeds"]},
            )
            for i, t in enumerate(LABELLED["threads"])
        ],
        rarity,
        window_days=DEFAULTS["window_days"],
    )
    outcome = Outcome({k: set() for k in keys}, {k: set() for k in keys}, {})
    for release in releases:
        text: MatchText = texts[release["id"]]
        for result in index.scores(text):
            key = keys[result.thread_id]
            outcome.reasons[key, release["id"]] = f"{result.value}: {result.reason}"
            if result.value >= match_at:
                outcome.joined[key].add(release["id"])
                index.add_member(result.thread_id, text)
            elif result.value >= suggest_at:
                outcome.suggested[key].add(release["id"])
    return outcome


def truth() -> dict[str, set[str]]:
    seeds = {s for t in LABELLED["threads"] for s in t["seeds"]}
    labels: dict[str, set[str]] = {t["key"]: set() for t in LABELLED["threads"]}
    for release in LABELLED["releases"]:
        if release["thread"] and release["id"] not in seeds:
            labels[release["thread"]].add(release["id"])
    return labels


def test_the_labelled_set_is_big_and_hard_enough():
    releases = LABELLED["releases"]
    assert len(releases) >= 60
    assert sum(1 for r in releases if r["thread"] is None) >= 30
    per_thread = Counter(r["thread"] for r in releases if r["thread"])
    assert len(per_thread) >= 2 and min(per_thread.values()) >= 6


def test_precision_and_recall_floors_with_default_thresholds():
    outcome = run_matching(DEFAULTS["match_threshold"], DEFAULTS["suggest_threshold"])
    labels = truth()
    joined = sum(len(v) for v in outcome.joined.values())
    correct = sum(len(outcome.joined[k] & labels[k]) for k in labels)
    expected = sum(len(v) for v in labels.values())
    wrong = {k: sorted(outcome.joined[k] - labels[k]) for k in labels}
    missed = {k: sorted(labels[k] - outcome.joined[k]) for k in labels}
    detail = "\n".join(
        f"{kind} {k} {rid}: {outcome.reasons.get((k, rid))}"
        for kind, table in (("wrong", wrong), ("missed", missed))
        for k, ids in table.items()
        for rid in ids
    )
    precision = correct / joined if joined else 0.0
    recall = correct / expected
    assert precision >= PRECISION_FLOOR, f"precision {precision:.2f}\n{detail}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.2f}\n{detail}"


def test_suggestions_catch_most_of_what_matching_misses():
    outcome = run_matching(DEFAULTS["match_threshold"], DEFAULTS["suggest_threshold"])
    labels = truth()
    missed = {k: labels[k] - outcome.joined[k] for k in labels}
    flagged = sum(len(missed[k] & outcome.suggested[k]) for k in labels)
    total_missed = sum(len(v) for v in missed.values())
    assert total_missed == 0 or flagged / total_missed >= 0.5


@pytest.mark.parametrize("thread", [t["key"] for t in LABELLED["threads"]])
def test_reasons_name_the_evidence(thread):
    outcome = run_matching(DEFAULTS["match_threshold"], DEFAULTS["suggest_threshold"])
    for release_id in outcome.joined[thread]:
        reason = outcome.reasons[thread, release_id]
        assert "title " in reason and " vs '" in reason
