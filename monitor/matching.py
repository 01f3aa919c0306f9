"""Scoring a release against threads: rapidfuzz on titles, keywords, and rare shared words.

A release is compared with each open thread's name, its keywords, and the members published
within a window of the release's date (so the cost of a match does not grow with a thread's whole
history). Four scores, each 0-100, make one, and the reason names the evidence:

- **text**: the overlap of distinctive words (title and lead) with the thread's most similar
  member, each word weighted by how rare it is among recent releases ("immigration" is in nearly
  every release and counts for little; "detainer" or "notario" count for a lot). Bodies are cut
  to their lead, so long bodies cannot pile up chance overlaps;
- **title**: rapidfuzz similarity of the titles, against the thread name and the members that
  share the most text. It is the mean of ``token_sort_ratio`` and ``token_set_ratio``:
  ``token_set_ratio`` alone is 100 whenever one title's words are a subset of the other's;
- **keywords**: the share of the thread's keywords found in the release's title or lead (words
  compared with plurals folded, so "detainer" finds "detainers"; phrases as phrases);
- **signature**: how much of the thread's recurring vocabulary (words of its name and keywords,
  and words found in two or more members), weighted by rarity, the release carries.

Strings are preprocessed explicitly (``utils.default_process``): rapidfuzz 3 does none by
default. An inverted index of the members' rare words finds the threads worth scoring, so a
release that shares nothing distinctive with a thread costs nothing for it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, utils

LEAD_CHARS = 700
# Chosen on the labelled set in tests/data/threads (precision first: a false member pulls in
# more false members); see tests/monitor/test_matching.py.
WEIGHTS = {"title": 0.29, "keywords": 0.14, "text": 0.29, "signature": 0.28}
TITLE_CANDIDATES = 3  # members whose titles are compared: the ones sharing the most text
RARE = 0.15  # words in more than this share of recent releases are not indexed
MIN_EVIDENCE = 0.05  # share of a release's word weight in rare words a member must have too
STOPWORDS = frozenset(
    """a about after against all also an and any are as at be been before being between both but
    by can could did do does during each for from had has have he her here his how if in into is
    it its last may more most new no not of on or other our out over said says she should so some
    such than that the their them then there these they this those through to today under until
    up upon us was we were what when where which while who will with would year years
    department office state states federal general attorney announced statement release press
    news""".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def terms(text: str) -> frozenset[str]:
    """Distinctive words: lower-cased, no stopwords, numbers or short words, plural 's' folded."""
    words = set()
    for word in _WORD.findall(text.lower()):
        if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
            word = word[:-1]
        if len(word) < 3 or word in STOPWORDS or word.isdigit():
            continue
        words.add(word)
    return frozenset(words)


@dataclass(frozen=True)
class MatchText:
    """A release prepared for matching."""

    release_id: int
    title: str  # as shown, for reasons
    published: dt.date | None
    key: str  # processed title
    lead: str  # processed title and start of body
    words: frozenset[str]


def match_text(release_id: int, title: str, body: str, published: dt.date | None) -> MatchText:
    lead = utils.default_process(f"{title} {body[:LEAD_CHARS]}")
    return MatchText(release_id, title, published, utils.default_process(title), lead, terms(lead))


@dataclass
class Rarity:
    """How rare each word is among a background of recent releases (inverse document frequency)."""

    documents: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    cache: dict[str, float] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, texts: Iterable[frozenset[str]]) -> Rarity:
        rarity = cls()
        for words in texts:
            rarity.documents += 1
            rarity.counts.update(words)
        return rarity

    def weight(self, word: str) -> float:
        weight = self.cache.get(word)
        if weight is None:
            weight = math.log((self.documents + 2) / (self.counts.get(word, 0) + 1))
            self.cache[word] = weight
        return weight

    def total(self, words: Iterable[str]) -> float:
        return sum(self.weight(w) for w in words)

    def rare(self, word: str) -> bool:
        return self.counts.get(word, 0) <= RARE * self.documents


@dataclass
class ThreadProfile:
    """A thread as the matcher sees it."""

    id: int
    name: str
    keywords: tuple[str, ...]
    members: list[MatchText]
    excluded: set[int] = field(default_factory=set)  # releases never to match again

    def __post_init__(self) -> None:
        self.name_key = utils.default_process(self.name)
        # a one-word keyword is looked up among the release's words (plurals folded alike); a
        # phrase is looked for in the processed lead, on word boundaries
        self.checks = [
            (k, next(iter(words)) if len(words) == 1 and " " not in key else f" {key} ")
            for k in self.keywords
            if (key := utils.default_process(k)) and (words := terms(key) or {key})
        ]

    def keywords_in(self, release: MatchText) -> list[str]:
        return [
            label
            for label, check in self.checks
            if (check in release.words if check[0] != " " else check in f" {release.lead} ")
        ]


@dataclass(frozen=True)
class Score:
    thread_id: int
    value: float
    reason: str


def title_similarity(a: str, b: str) -> float:
    """Mean of token-sort and token-set ratios: a subset of words alone does not make 100."""
    return (fuzz.token_sort_ratio(a, b) + fuzz.token_set_ratio(a, b)) / 2


@dataclass
class _Member:
    thread_id: int
    text: MatchText
    weight: float  # sum of its words' weights


class ThreadIndex:
    """Open threads and their members, indexed by rare word and by date."""

    def __init__(self, profiles: Iterable[ThreadProfile], rarity: Rarity, *, window_days: int):
        self.rarity = rarity
        self.window = dt.timedelta(days=window_days)
        self.profiles = {p.id: p for p in profiles}
        self.members: list[_Member] = []
        self.postings: dict[str, list[int]] = defaultdict(list)
        self.vocabulary: dict[int, Counter[str]] = {}
        self.signatures: dict[int, tuple[dict[str, float], float]] = {}
        for profile in self.profiles.values():
            self.vocabulary[profile.id] = Counter(
                dict.fromkeys(terms(" ".join((profile.name, *profile.keywords))), 2)
            )
            for text in profile.members:
                self._index(profile.id, text)

    def add_member(self, thread_id: int, text: MatchText) -> None:
        """A release that joined: later releases are compared with it too."""
        self.profiles[thread_id].members.append(text)
        self.profiles[thread_id].excluded.add(text.release_id)
        self._index(thread_id, text)

    def _index(self, thread_id: int, text: MatchText) -> None:
        number = len(self.members)
        self.members.append(_Member(thread_id, text, self.rarity.total(text.words)))
        self.vocabulary[thread_id].update(text.words)
        self.signatures.pop(thread_id, None)
        for word in text.words:
            if self.rarity.rare(word):
                self.postings[word].append(number)

    def signature(self, thread_id: int) -> tuple[dict[str, float], float]:
        """The thread's recurring words (in its name, keywords or two members), weighted."""
        cached = self.signatures.get(thread_id)
        if cached is None:
            words = {
                w: self.rarity.weight(w) * min(n, 3)
                for w, n in self.vocabulary[thread_id].items()
                if n >= 2
            }
            cached = self.signatures[thread_id] = (words, sum(words.values()) or 1.0)
        return cached

    def coverage(self, thread_id: int, release: MatchText) -> float:
        """How much of the thread's signature the release carries (0-100)."""
        words, total = self.signature(thread_id)
        return 100.0 * sum(words.get(w, 0.0) for w in release.words) / total

    def scores(self, release: MatchText, *, floor: float = 0.0) -> list[Score]:
        """Scores of the release for the threads it can reach ``floor`` for, best first.

        A thread is skipped when even a perfect title could not lift its keyword and text
        scores to ``floor``: an exact bound, so nothing that could qualify is missed.
        """
        own = self.rarity.total(release.words)
        shared: dict[int, float] = defaultdict(float)
        for word in release.words:
            postings = self.postings.get(word)
            if postings:
                weight = self.rarity.weight(word)
                for number in postings:
                    shared[number] += weight
        nearby: dict[int, list[tuple[float, _Member]]] = defaultdict(list)
        for number, weight in shared.items():
            member = self.members[number]
            if self._near(member.text.published, release.published):
                rough = weight / max(min(own, member.weight), 1e-9)
                nearby[member.thread_id].append((rough, member))
        results = []
        for profile in self.profiles.values():
            if release.release_id in profile.excluded:
                continue
            found = profile.keywords_in(release)
            ranked = sorted(nearby.get(profile.id, ()), key=lambda item: -item[0])
            if not found and (not ranked or ranked[0][0] < MIN_EVIDENCE):
                continue  # no keyword and next to no rare word in common: not worth scoring
            best = sorted(
                (
                    (overlap(release, m.text, self.rarity, totals=(own, m.weight)), m)
                    for _, m in ranked[:TITLE_CANDIDATES]
                ),
                key=lambda item: -item[0],
            )
            signature = self.coverage(profile.id, release) if (found or best) else 0.0
            bound = (
                WEIGHTS["title"] * 100
                + WEIGHTS["keywords"] * _keyword_score(profile, found)
                + WEIGHTS["text"] * _text_score(best)
                + WEIGHTS["signature"] * signature
            )
            if bound >= floor and (found or best):
                results.append(self._score(profile, release, best, found, signature))
        return sorted(results, key=lambda s: -s.value)

    def _near(self, a: dt.date | None, b: dt.date | None) -> bool:
        return a is None or b is None or abs(a - b) <= self.window

    def _score(
        self,
        profile: ThreadProfile,
        release: MatchText,
        best: list[tuple[float, _Member]],
        found: list[str],
        signature: float,
    ) -> Score:
        label, title = profile.name, title_similarity(release.key, profile.name_key)
        for _, member in best:
            value = title_similarity(release.key, member.text.key)
            if value > title:
                label, title = member.text.title, value
        reasons = [f"title {title:.0f} vs '{_short(label)}'"]
        keywords = _keyword_score(profile, found)
        if found:
            reasons.append("keywords: " + ", ".join(found))
        text = _text_score(best)
        if best:
            words = sorted(
                release.words & best[0][1].text.words, key=self.rarity.weight, reverse=True
            )
            reasons.append(f"text {text:.0f} (shares {', '.join(words[:3])})")
        reasons.append(f"signature {signature:.0f}")
        value = (
            WEIGHTS["title"] * title
            + WEIGHTS["keywords"] * keywords
            + WEIGHTS["text"] * text
            + WEIGHTS["signature"] * signature
        )
        return Score(profile.id, round(value, 1), "; ".join(reasons))


def _keyword_score(profile: ThreadProfile, found: list[str]) -> float:
    """100 when two keywords (or the only one) are found, 50 for one of several."""
    if not profile.checks:
        return 0.0
    return min(100.0, 100.0 * len(found) / min(2, len(profile.checks)))


def _text_score(best: list[tuple[float, _Member]]) -> float:
    return 100.0 * best[0][0] if best else 0.0


def overlap(
    a: MatchText, b: MatchText, rarity: Rarity, *, totals: tuple[float, float] | None = None
) -> float:
    """Rarity-weighted overlap coefficient of two releases' distinctive words, doubled and
    capped (0-1): half of the lighter release's weight shared is full overlap. ``totals``
    are the two releases' word weights when already known."""
    shared = a.words & b.words
    if not shared:
        return 0.0
    ours, theirs = totals or (rarity.total(a.words), rarity.total(b.words))
    return min(1.0, 2.0 * rarity.total(shared) / max(min(ours, theirs), 1e-9))


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
