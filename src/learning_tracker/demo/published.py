"""The published figures the demo reproduces, transcribed: the 2021-22 annual report's tables and
learning (``reference/report-2021-22-tables.json``), and the comparison figures it gives for 2018-19 to
2020-21. Data only; ``past_years`` draws the records that add up to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .council import REPORT_TEAM_NAMES

# --------------------------------------------------------------------------------------------------
# The 2021-22 report's tables
# --------------------------------------------------------------------------------------------------

STATUTORY_BY_AREA_2122 = {
    "Through Care": 29, "Team West": 30, "Children's Disability Team": 5, "Looked After Children": 30,
    "Team South": 14, "Team East": 23, "Team Central": 20, "Fostering & Adoption": 2, "MASH": 10,
    "Quality & Assurance": 5, "Social Work Academy": 5, "Early Help (Team Central)": 1,
    "Early Help (Team East)": 3, "Youth Offending Services": 0,
}  # fmt: skip
RECEIVED_VIA_2122 = {"email": 141, "online form": 89, "letter": 4, "telephone": 1}
EQUALITY_2122 = {
    "gender": {"male": 111, "female": 103, "not recorded": 21},
    "age_band": {"under 16": 176, "16-24": 34, "25-34": 2, "35-49": 1, "50-64": 2, "not recorded": 20},
    "ethnicity": {
        "White British": 131, "White and Black Caribbean": 20, "Pakistani": 12, "African": 9, "Indian": 6,
        "White and Black African": 6, "Any other Asian background": 4, "White and Asian": 4,
        "Any other Black, African or Caribbean background": 3, "Any other ethnic group": 3,
        "Any other Mixed background": 3, "Caribbean": 2, "White Irish": 1,
        "not recorded": 31,  # 23 in the report, whose table adds up to 227 of 235
    },
    "disability": {"yes": 14, "no": 198, "not recorded": 23},
}  # fmt: skip
CONCERNS_2122 = {
    ("Communication", ""): 190,
    ("Standards of service", ""): 34,
    ("Standards of service", "service level / care plan dispute"): 41,
    ("Standards of service", "lack of / access to / eligibility for service"): 36,
    ("Standards of service", "delay in receiving service"): 28,
    ("Alleged staff conduct", ""): 48,
    ("Child protection issues", ""): 19,
    ("Breach of confidentiality", ""): 2,
    ("Standard of environment", ""): 2,
    ("Finance", ""): 0,
}
COMPLIMENT_SOURCES_2122 = {
    "professional": 191, "parent or carer": 179, "young person or child": 43, "police judge or legal": 42,
    "school or education": 25, "foster carer": 18, "adopter": 3, "other": 1,
}  # fmt: skip
COMPLIMENT_CATEGORIES_2122 = {
    "standard of service": 284, "good communication": 128, "standard of practice": 113,
    "good child focus": 98, "good partnership working": 85,
}  # fmt: skip
COMPLIMENTS_BY_TEAM_2122 = {
    "Team Central": 92, "Team East": 44, "Team South": 37, "Team West": 40, "Responsive Services": 8,
    "Social Work Academy": 4, "Youth Offending": 64, "Through Care": 84, "Edge of Care": 3,
    "LAC & Permanency": 73, "Fostering and Adoption": 22, "Placements": 3, "Children's Disability Team": 23,
    "Safeguarding": 0, "Quality Assurance": 2, "Children's Champion": 3,
}  # fmt: skip

# --------------------------------------------------------------------------------------------------
# The years the demo reproduces
# --------------------------------------------------------------------------------------------------


@dataclass
class YearSpec:
    """What a fixed past year must add up to; anything not given is drawn plausibly."""

    label: str
    statutory: int
    corporate: int
    informal: int
    final_stages: dict[int, int]  # statutory complaints by final stage
    over: dict[int, int]  # of them over timescale (the open ones included)
    averages: dict[int, float]  # average working days of the answered final stages
    open_stage1: int = 0  # statutory complaints still open at stage 1, long past due
    stage1_extended_within: int = 3
    stage2_extended: int = 4
    escalated_from_informal: int = 3
    corporate_stage2: int = 2
    children: int = 15
    advocate: int = 10  # complaints with an advocate ...
    advocate_adults: int = 0  # ... of which this many not made by a child or young person
    compliments: int = 400
    lgsco_referred: int = 8
    lgsco_upheld: int = 1
    statutory_remedy_pence: int = 0
    corporate_remedy_pence: int = 0
    quarter_counts: tuple[int, int, int, int] | None = None  # answered statutory final stage 1
    quarter_averages: tuple[float, float, float, float] | None = None
    outcomes: dict[str, int] | None = None  # statutory, "open" included
    areas: dict[str, int] | None = None
    via: dict[str, int] | None = None
    equality: dict[str, dict[str, int]] | None = None
    concerns: dict[tuple[str, str], int] | None = None
    compliment_sources: dict[str, int] | None = None
    compliment_categories: dict[str, int] | None = None
    compliment_areas: dict[str, int] | None = None


YEAR_2021_22 = YearSpec(
    label="2021-22",
    statutory=177,
    corporate=18,
    informal=40,
    final_stages={1: 163, 2: 13, 3: 1},
    over={1: 41, 2: 1, 3: 0},
    averages={1: 7.0, 2: 34.0, 3: 35.0},
    open_stage1=4,
    stage1_extended_within=6,
    stage2_extended=8,
    escalated_from_informal=5,
    corporate_stage2=3,
    children=23,
    advocate=14,
    advocate_adults=1,
    compliments=502,
    lgsco_referred=15,
    lgsco_upheld=2,
    statutory_remedy_pence=20000,
    corporate_remedy_pence=30000,
    # n1 = n3 + n4 makes the year's average 7.0 from quarters of 8, 7, 6 and 6.
    quarter_counts=(50, 59, 26, 24),
    quarter_averages=(8.0, 7.0, 6.0, 6.0),
    outcomes={"upheld": 11, "partly upheld": 56, "not upheld": 41, "withdrawn": 65, "open": 4},
    areas=STATUTORY_BY_AREA_2122,
    via=RECEIVED_VIA_2122,
    equality=EQUALITY_2122,
    concerns=CONCERNS_2122,
    compliment_sources=COMPLIMENT_SOURCES_2122,
    compliment_categories=COMPLIMENT_CATEGORIES_2122,
    compliment_areas={REPORT_TEAM_NAMES[team]: n for team, n in COMPLIMENTS_BY_TEAM_2122.items()},
)

PREVIOUS_YEARS = [
    YearSpec(
        label="2018-19", statutory=142, corporate=12, informal=20,
        final_stages={1: 133, 2: 8, 3: 1}, over={1: 55, 2: 1, 3: 0}, averages={1: 11.0, 2: 30.0, 3: 45.0},
        children=14, advocate=11, compliments=361, lgsco_referred=9,
    ),
    YearSpec(
        label="2019-20", statutory=212, corporate=15, informal=28,
        final_stages={1: 197, 2: 13, 3: 2}, over={1: 50, 2: 1, 3: 0}, averages={1: 10.0, 2: 24.0, 3: 40.0},
        children=19, advocate=13, compliments=398, lgsco_referred=12,
    ),
    YearSpec(
        label="2020-21", statutory=141, corporate=9, informal=7,
        final_stages={1: 131, 2: 9, 3: 1}, over={1: 35, 2: 0, 3: 0}, averages={1: 9.0, 2: 20.0, 3: 26.0},
        stage2_extended=2, corporate_stage2=3, children=17, advocate=8, compliments=445, lgsco_referred=10,
    ),
]  # fmt: skip

# --------------------------------------------------------------------------------------------------
# The 2021-22 report's learning
# --------------------------------------------------------------------------------------------------

# The report's "Specific service area improvements/learning", condensed: (area, theme, description,
# [(action, priority, status)]). Learning from Placements came from a corporate complaint.
LEARNING_2122: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    ("Children's Disability Team", "Communication",
     ("Families were not kept updated consistently: calls were not returned in good time and the outcome of "
      "assessments and the reasons for short-breaks panel decisions were not explained."),
     [("Share the learning on consistent communication with all team members.", "high", "verified"),
      ("Explain the outcome of short-breaks panel, and the reasons for its decision, to every family.",
       "medium", "verified")]),
    ("Children's Disability Team", "Standards of service",
     ("Families need clear information at the outset about the short-break hours they may be entitled to, "
      "and packages of support that start in good time and are of good quality."),
     [("Produce short-breaks information for families and share it at the start of involvement.", "high",
       "verified"),
      ("Agree quality assurance of short-breaks providers with the Commissioning team.", "medium",
       "verified")]),
    ("Fostering & Adoption", "Standards of service",
     ("A complaint about the training offer showed that fostering applicants and foster carers need more "
      "support to complete their training, support and development standards."),
     [("Review how applicants and foster carers are supported to complete their induction standards.",
       "high", "verified"),
      ("Offer group support, and the workbook online or on paper.", "medium", "verified"),
      ("Consult foster carers on the training offer.", "low", "verified"),
      ("Explore routes for foster carers to gain a recognised qualification.", "low", "in progress")]),
    ("Looked After Children", "Communication",
     ("Changes of social worker meant information was not always passed on to families; more stable, "
      "permanent staffing improves communication."),
     [("Increase staffing stability by recruiting permanent social workers.", "high", "verified"),
      ("Share the learning from complaints across the service.", "medium", "verified")]),
    ("MASH", "Communication",
     ("Parents and children should feel involved and listened to, with their views clearly recorded in all "
      "contacts and referrals."),
     [("Check in case audits that family views are recorded in contacts and referrals.", "medium",
       "verified")]),
    ("Quality & Assurance", "Alleged staff conduct",
     ("A young person did not feel listened to or valued by a child protection conference chair and was not "
      "offered time alone with the chair before conference."),
     [("Offer every young person the chance to meet the CP Chair alone before conference.", "high",
       "verified"),
      ("Explain fully the reasons when an outcome differs from the young person's wishes.", "medium",
       "verified"),
      ("Build this learning into the CP Chair practice standards.", "medium", "verified")]),
    ("Quality & Assurance", "Communication",
     ("People subject to LADO and Position of Trust processes did not understand the process, referrals to "
      "regulatory bodies or the support available, and responses to their complaints were slow."),
     [("Keep tight management oversight of LADO-related complaints with the Complaints Service.", "high",
       "verified"),
      ("Agree roles and timeframes early when a complaint involves more than one area.", "medium",
       "verified"),
      ("Strengthen LADO tracking of employers' actions from Position of Trust meetings.", "medium",
       "verified"),
      ("Review the LADO referral form and POT agenda for additional needs.", "low", "cancelled"),
      ("Devise an information guide for those subject to LADO and POT processes.", "high", "verified")]),
    ("Placements", "Alleged staff conduct",
     "A member of the public saw a staff member appear angry and stern with a child in the community.",
     [("Continue embedding restorative and relationship-based practice in the team.", "medium",
       "verified")]),
    ("Social Work Academy", "Standards of service",
     ("Newly qualified social workers need support with relational practice and face-to-face visits after "
      "the pandemic, and with professional standards on social media."),
     [("Develop the Academy's learning offer alongside relational and restorative practice.", "medium",
       "verified"),
      ("Run a session on social media and professional standards.", "medium", "verified")]),
    ("Team Central", "Communication",
     ("Families were not told about the assessment process at the start, and fathers were not always "
      "involved or kept up to date."),
     [("Use an introduction pack on every first visit to a family.", "high", "verified"),
      ("Provide training on engaging fathers as part of induction.", "medium", "verified"),
      ("Keep learning from complaints on the agenda of supervision and team meetings.", "low", "verified")]),
    ("Team Central", "Alleged staff conduct",
     ("The conduct of social workers and the timeliness of assessments were common themes of upheld "
      "complaints."),
     [("Embed practice standards and recording guidance on what is expected of social workers.", "medium",
       "verified")]),
    ("Team East", "Communication",
     ("The language of reports was social-work-centric, at times perceived as rude, with factual "
      "inaccuracies; families did not always understand the legal basis of their care plans."),
     [("Run bespoke workshops on language and relational, restorative practice.", "high", "verified"),
      ("Explain to families the legal basis of their child's plan.", "medium", "verified")]),
    ("Team East", "Standards of service",
     ("Families perceived a lack of support with housing, missed home visits and poor attendance at core "
      "groups."),
     [("Strengthen the approach to families who are homeless or at risk of homelessness.", "medium",
       "verified"),
      ("Audit attendance and participation in core groups for children on child protection plans.",
       "medium", "verified")]),
    ("Team South", "Communication",
     "Families want to feel involved, listened to and respected; records should use restorative language.",
     [("Seek service user feedback every month and discuss its themes in the team.", "medium", "verified"),
      ("Improve recording so that records use professional, restorative language.", "medium", "verified")]),
    ("Team West", "Communication",
     ("Upheld complaints showed unprofessional communication, data protection errors and families not "
      "listened to or responded to restoratively."),
     [("Discuss the learning in supervision with the practitioners involved.", "medium", "verified"),
      ("Restorative Practice lead to reflect with the practitioner and meet the family.", "medium",
       "verified"),
      ("Refresh data protection training for the team.", "high", "verified")]),
    ("Through Care", "Standards of service",
     ("Young people were not always told their full entitlements, and communication with parents and young "
      "people needed to improve."),
     [("Design a welcome pack with full details of entitlements for every young person.", "high",
       "verified"),
      ("Set up a group supervision session on communication with young people and parents.", "medium",
       "verified"),
      ("Review feedback from complaints weekly in the management team.", "low", "verified")]),
]  # fmt: skip

# The evidence of the actions whose description starts with these words: (title, intranet path).
EVIDENCE_2122 = {
    "Produce short-breaks information for families": ("Short breaks information for families", "cdt/short-breaks"),
    "Build this learning into the CP Chair": ("CP Chair practice standards", "quality-assurance/cp-chair-standards"),
    "Devise an information guide": ("LADO information guide", "quality-assurance/lado-guide"),
    "Use an introduction pack": ("Team Central introduction pack", "team-central/introduction-pack"),
    "Run bespoke workshops on language": ("Team East language workshop materials", "team-east/language"),
    "Design a welcome pack": ("Through Care welcome pack", "through-care/welcome-pack"),
    "Review how applicants and foster carers": ("Fostering training review", "fostering/training-review"),
}  # fmt: skip

