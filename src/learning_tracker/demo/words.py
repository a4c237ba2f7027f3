"""The words of the made-up records: learning and actions by theme, the reasons and notes their
history records, extension reasons by stage, and who said what in a compliment."""

from __future__ import annotations

LEARNING_BANK = {
    "Communication": [
        "Families were not told in good time when their social worker changed.",
        "Calls and emails from families were not returned promptly.",
        "The reasons for a decision were not explained to the family in writing.",
        "Families were not kept updated on the progress of an assessment.",
    ],
    "Standards of service": [
        "The assessment was not shared with the family within the agreed timescale.",
        "Support agreed in the plan started later than promised.",
        "The family was not told what help they were entitled to.",
    ],
    "Alleged staff conduct": [
        "The family found a worker's tone in a meeting dismissive.",
        "The language of a report was felt to be blaming rather than restorative.",
    ],
    "Child protection issues": ["Parents did not understand the child protection process or what would happen next."],
    "Breach of confidentiality": ["A report was sent out with another family's details in it."],
    "Standard of environment": ["The family time room was not comfortable or private enough."],
    "Finance": ["Allowances were paid late and the reasons were not explained."],
}  # fmt: skip
ACTION_BANK = {
    "Communication": [
        "Share the learning at the next team meeting.",
        "Agree a standard for returning families' calls within two working days.",
        "Write to families when their social worker changes, naming a contact.",
        "Add communication with families to group supervision.",
    ],
    "Standards of service": [
        "Audit a sample of assessments for timeliness.",
        "Check that support starts on the date agreed in the plan.",
        "Review the information leaflet given to families.",
    ],
    "Alleged staff conduct": [
        "Reflect on the complaint in supervision with the worker.",
        "Run a restorative language session for the team.",
    ],
    "Child protection issues": ["Give parents the child protection leaflet at the first visit."],
    "Breach of confidentiality": ["Refresh data protection training for the team.", "Add a second check before reports are sent."],
    "Standard of environment": ["Review the family time rooms with families' feedback."],
    "Finance": ["Explain allowances in writing when they are agreed."],
}  # fmt: skip
NO_LEARNING_REASONS = [
    "Individual practice issue addressed in supervision; no wider learning.",
    "Resolved by explanation and apology; no service learning identified.",
    "Internal investigation outcome form completed: no learning identified.",
    "Already covered by an existing learning point for the service.",
]
NO_LEARNING_MASH = (
    "No identifiable themes across the service's complaints; findings considered for continuous improvement."
)
CANCEL_REASONS = [
    "Superseded by a service-wide action.",
    "No longer needed after the team restructure.",
    "Merged into another action on this learning point.",
]
PROGRESS_NOTES = [
    "Discussed at the team meeting; work under way.",
    "Draft shared with the management team for comments.",
    "Waiting for feedback from families before finalising.",
    "Session booked with the team.",
]
EXTENSION_REASONS = {
    1: ["Complainant sent further information; extension agreed.", "Manager on leave; complainant agreed an extension."],
    2: [
        "Complex investigation across several service areas; complainant agreed.",
        "Independent investigator needed more time to interview staff; complainant agreed.",
        "Complainant asked for more time to provide documents.",
    ],
}  # fmt: skip
COMPLIMENT_WHO = {
    "professional": "A partner professional",
    "parent or carer": "A parent",
    "young person or child": "A young person",
    "police judge or legal": "A judge",
    "school or education": "A school",
    "foster carer": "A foster carer",
    "adopter": "An adopter",
    "other": "A member of the public",
}
COMPLIMENT_WHAT = {
    "standard of service": "praised the service the team gave",
    "good communication": "thanked the worker for keeping them informed",
    "standard of practice": "praised the worker's professional practice",
    "good child focus": "said the worker always put the child first",
    "good partnership working": "valued the worker's joint working with partners",
}


# --- the procedures' steps (``steps``) -----------------------------------------------------------------

# Points of complaint investigated at stage 2, by the theme of the concern they come from.
POINT_BANK = {
    "Communication": [
        "The family were not kept informed of changes to the child's plan.",
        "Calls and emails to the social worker were not returned.",
        "The reasons for a decision about the child were not explained to the family.",
        "The family were not told when their social worker changed.",
    ],
    "Standards of service": [
        "The assessment was not completed within the timescale the family were given.",
        "Support agreed in the child's plan did not start when promised.",
        "The family were not told what support they could ask for.",
    ],
    "Alleged staff conduct": [
        "A worker's manner during a home visit was dismissive of the family's views.",
        "A report described the family in language they found blaming.",
    ],
    "Child protection issues": [
        "The family were not helped to understand the child protection process.",
        "The family did not see the conference report before the meeting.",
    ],
    "Breach of confidentiality": ["Information about the family was shared with another agency without consent."],
    "Standard of environment": ["The venue for family time was not private or suitable for the child."],
    "Finance": ["An allowance was paid late and the delay was not explained."],
}  # fmt: skip
# Made-up organisations the independent investigators and independent persons come from.
INVESTIGATING_ORGANISATIONS = [
    "Northgate Independent Reviews", "Fairfield Investigation Services", "Meridian Children's Complaints Consultancy",
    "Ashdown Independent Practice",
]  # fmt: skip
INDEPENDENT_PERSON_ORGANISATIONS = ["Independent Persons Network", "Westbrook Review Associates", "Harbour Lane Advocacy Trust"]
INVESTIGATING_OFFICER = "Independent Investigating Officer"
INDEPENDENT_PERSON = "Independent Person"
ADJUDICATORS = [
    "Head of Service, Children's Social Care", "Head of Service, Looked After Children and Care Leavers",
    "Strategic Lead, Safeguarding and Quality Assurance",
]  # fmt: skip
NOT_ACCEPTED_REASONS = [
    "Already in place: the service's practice standards cover this.",
    "Not proportionate to the finding: the point has been put right for the family.",
    "A service-wide review already under way covers this.",
]
# Why an adjudicator decided an outcome other than the one the points' findings give.
OUTCOME_REASON = ("Upheld in full: the partly upheld point was at the heart of what the family asked to be put "
                  "right, and the adjudicator found the failings there outweighed what was done well.")
PANEL_RECOMMENDATIONS = [
    "Apologise to the family in writing for the failings the panel found.",
    "Review how the service explains its decisions to families in writing.",
    "Make sure families are told who to contact when their social worker changes.",
    "Share the panel's findings with the service's managers and report back on the changes made.",
]
LATE_CONSIDERED_REASONS = [
    "The young person learnt of the decision only recently, and the records allow a fair investigation.",
    "The family raised the matter informally within the year, and the staff involved are still in post.",
]
LATE_DECLINED_REASON = ("The matter arose well over a year before the complaint, no reason was given for the delay, "
                        "and the records needed to investigate it fairly are no longer held.")
