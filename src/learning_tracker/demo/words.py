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

