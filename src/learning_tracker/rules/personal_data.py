"""Personal data kept out and kept short (UK GDPR: data minimisation and storage limitation), in one place.

- What looks like a personal detail in free text: an email address, a UK phone number, a UK postcode, or
  a date of birth (a date after "DOB", "date of birth" or "born", or right after a capitalised name such
  as "Jo Bloggs (12/03/2014)"). A compliment's summary that holds one is refused
  (``services.compliments``); every other free-text field is saved and the page warns
  (``widgets.save``): the words are the user's, but they are told what was seen and why it matters.
  Names on their own cannot be told from the names of teams and places, so they are not detected.
- What a complaint reference may look like: the council's configured pattern (the ``settings`` key
  ``complaint_reference_pattern``), by default letters, digits, '-' and '/', so that no name, date of
  birth or address is typed where the case system's reference belongs.
- Retention: how long a closed complaint keeps what identifies it (``DEFAULT_RETENTION_YEARS``), the
  token that replaces its reference, and the words that replace its free text (``services.retention``).

Pure Python: it reads no records.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

# --- personal details in free text -----------------------------------------------------------------

EMAIL = "an email address"
PHONE = "a phone number"
POSTCODE = "a postcode"
DATE_OF_BIRTH = "a date of birth"

WHY_IT_MATTERS = (
    "These records are kept for years and read by many people, so a complaint is named by its reference "
    "and names, dates of birth and contact details stay in the case system; edit it out if it is about a person."
)

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# A whole date, with its year: a date of birth always has one, a meeting's "3 March" need not.
_FULL_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?!\d)"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})"
)
# Capitalised words that are not people: the teams, meetings and places the notes name, months and days.
# (A title such as "Mrs" is left out: "Mrs Bloggs 12/03/1980" is a person.)
_NOT_A_NAME_WORDS = """
    team teams forum panel board meeting meetings service services council court school college stage review
    practice improvement children childrens social care unit office ombudsman lgsco complaint complaints
    manager managers officer head director senior leadership group family families east west north south
    the on at in by for from and with to of a an we they he she it this that our their
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
"""
_NOT_A_NAME = frozenset(_NOT_A_NAME_WORDS.split())
_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_DATE = re.compile(_FULL_DATE)
_NAME_BEFORE = re.compile(rf"((?:{_NAME_WORD}\s+)*{_NAME_WORD})[\s,(:-]{{1,3}}$")
_BIRTH_WORDS = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born)(?:\s+(?:on|in))?[\s:.,-]*(?:{_FULL_DATE}|(?:19|20)\d{{2}}\b)",
    re.IGNORECASE,
)

_DETECTORS = [
    (EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # UK numbers: 0 or +44 (optionally "(0)"), then 9 or 10 more digits, spaced, hyphenated or bracketed.
    (PHONE, re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d(?:[\s)-]{0,2}\d){8,9}(?!\d)")),
    # Outward code, inward code; "Q1 2nd" and the like are ordinals, not an inward code.
    (POSTCODE, re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*(?!\d(?-i:st|nd|rd|th)\b)\d[ABD-HJLNP-UW-Z]{2}\b", re.IGNORECASE)),
]


def _names_with_a_date(text: str) -> bool:
    """A whole date right after two or more capitalised words that are not a team, a meeting or a month."""
    for date_match in _DATE.finditer(text):
        before = _NAME_BEFORE.search(text, 0, date_match.start())
        if before is None:
            continue
        words = before[1].split()
        while words and words[-1].lower() not in _NOT_A_NAME:
            words.pop()
            if len(before[1].split()) - len(words) >= 2:
                return True
    return False


def personal_details_in(text: str | None) -> list[str]:
    """The kinds of personal detail found in ``text`` ('an email address', ...), in a fixed order; empty
    when none (or no text)."""
    if not text:
        return []
    found = [what for what, pattern in _DETECTORS if pattern.search(text)]
    if _BIRTH_WORDS.search(text) or _names_with_a_date(text):
        found.append(DATE_OF_BIRTH)
    return found


def role_field_problem(text: str | None) -> str | None:
    """Why a role-and-organisation field (an Investigating Officer, an Independent Person, an adjudicator) is
    refused: it seems to hold a person's details (any kind ``personal_details_in`` finds); ``None`` when not."""
    found = personal_details_in(text)
    if not found:
        return None
    return (f"seems to hold {' and '.join(found)}: record the role and organisation (for example 'Independent "
            "investigator, Coram Voice'), never a person's details, which stay in the case system")


def personal_data_warnings(fields: Mapping[str, str | None]) -> list[str]:
    """One warning per field (by its label on the form) whose text looks like it holds personal details,
    saying which kinds and why that matters; empty when none does."""
    warnings = []
    for label, text in fields.items():
        found = personal_details_in(text)
        if found:
            warnings.append(f"'{label}' seems to hold {' and '.join(found)}. {WHY_IT_MATTERS}")
    return warnings


# --- complaint references --------------------------------------------------------------------------

DEFAULT_REFERENCE_PATTERN = r"[A-Za-z0-9/-]{1,40}"
MAX_PATTERN_LENGTH = 200

_CLASS_WORDS = [("A-Za-z", "letters"), ("a-zA-Z", "letters"), ("A-Z", "capital letters"), ("a-z", "small letters"),
                ("0-9", "digits"), (r"\d", "digits"), (r"\w", "letters, digits, '_'")]
_SIMPLE_PATTERN = re.compile(r"\[([^\]\[]+)\](?:\{(\d+),(\d+)\}|(\+))")


def describe_reference_pattern(pattern: str) -> str:
    """What a reference of ``pattern`` may hold, in words: 'only letters, digits, '-' and '/', at most 40
    characters' for the default; for a pattern that is not one character class, the pattern itself."""
    match = _SIMPLE_PATTERN.fullmatch(pattern)
    if not match:
        return f"must match the council's reference pattern {pattern}"
    body, words = match[1], []
    for chars, word in _CLASS_WORDS:
        if chars in body:
            body = body.replace(chars, "", 1)
            words.append(word)
    if not re.fullmatch(r"[^\\\-\]^]*-?", body):
        return f"must match the council's reference pattern {pattern}"
    words += [f"'{c}'" for c in sorted(set(body), key=body.index)]
    listed = ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1]
    length = f", at most {match[3]} characters" if match[3] else ""
    return f"may hold only {listed}{length}"


def reference_pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be the reference pattern, in words; None when it can."""
    if not pattern.strip():
        return "is required: a regular expression that every complaint reference must match"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"is too long: at most {MAX_PATTERN_LENGTH} characters"
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"is not a regular expression ({error}); for example {DEFAULT_REFERENCE_PATTERN}"
    if compiled.fullmatch(""):
        return "would accept an empty reference; say how many characters a reference has, as in {1,40}"
    return None


# A date written into a reference ("Bloggs-12-03-2014"): day, month and year, as people write a birthday.
_DATE_IN_REFERENCE = re.compile(r"(?<!\d)\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)|\b(?:dob|born)\b", re.IGNORECASE)


def reference_problem(reference: str, pattern: str) -> str | None:
    """Why ``reference`` is not a reference of the council's case system (``pattern``, and never holding
    a date such as a birthday), in words; None when it is one."""
    if not re.fullmatch(pattern, reference.strip()):
        return (f"is not a case system reference: a reference {describe_reference_pattern(pattern)}. "
                "Record the case system's reference, never a name, date of birth or address")
    if _DATE_IN_REFERENCE.search(reference.replace("_", " ")):
        return ("seems to hold a date, such as a date of birth; record the case system's reference, never a "
                "name, date of birth or address")
    return None


#: The characters a reference is written with, for telling "CS-1" from the start of "CS-10" in a text.
REFERENCE_CHARACTERS = r"[\w/-]"


def reference_mention(reference: str) -> re.Pattern[str]:
    """Where ``reference`` is written in a text (in any case): on its own, not as part of a longer one."""
    return re.compile(rf"(?<!{REFERENCE_CHARACTERS}){re.escape(reference.strip())}(?!{REFERENCE_CHARACTERS})",
                      re.IGNORECASE)


# --- retention ---------------------------------------------------------------------------------------

DEFAULT_RETENTION_YEARS = 6
#: What the free text of an anonymised complaint reads afterwards (never NULL: a recorded "no learning
#: identified" decision still counts in the reports).
REMOVED_TEXT = "[removed after the retention period]"
ANONYMISED_PREFIX = "ANON-"
_TOKEN_BYTES = 6  # 12 hex digits
_ANONYMISED = re.compile(rf"{ANONYMISED_PREFIX}[0-9A-F]{{{2 * _TOKEN_BYTES}}}")


def anonymised_reference() -> str:
    """A new token for an anonymised complaint's reference: random, and stored nowhere else, so nothing
    leads back from it to the old reference."""
    return ANONYMISED_PREFIX + secrets.token_hex(_TOKEN_BYTES).upper()


def is_anonymised(reference: str) -> bool:
    """Whether ``reference`` is a token given by ``anonymised_reference``."""
    return bool(_ANONYMISED.fullmatch(reference))


def anonymised_sql(column: str) -> str:
    """SQL true for a reference ``column`` that is a token given by ``anonymised_reference``."""
    return f"({column} GLOB '{ANONYMISED_PREFIX}{'[0-9A-F]' * (2 * _TOKEN_BYTES)}')"
