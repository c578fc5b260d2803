//! CVSS v2.0: the metrics of "A Complete Guide to the Common Vulnerability Scoring
//! System Version 2.0" (FIRST, 2007), section 2 and Table 13, in that order.
use super::{Group, MetricDef, ValueDef};

const fn v(abbr: &'static str, name: &'static str, description: &'static str) -> ValueDef {
    ValueDef {
        abbr,
        name,
        description,
    }
}

const ND: ValueDef = v(
    "ND",
    "Not Defined",
    "Skip this metric; it does not change the score.",
);

const CIA: [ValueDef; 3] = [
    v("N", "None", "There is no impact."),
    v(
        "P",
        "Partial",
        "There is considerable impact, but the attacker does not control what is affected.",
    ),
    v("C", "Complete", "There is total impact: all is affected."),
];

const REQ: [ValueDef; 4] = [
    v(
        "L",
        "Low",
        "Loss is likely to have only a limited adverse effect on the organization.",
    ),
    v(
        "M",
        "Medium",
        "Loss is likely to have a serious adverse effect on the organization.",
    ),
    v(
        "H",
        "High",
        "Loss is likely to have a catastrophic adverse effect on the organization.",
    ),
    ND,
];

pub(crate) static METRICS: &[MetricDef] = &[
    MetricDef {
        abbr: "AV",
        name: "Access Vector",
        group: Group::Base,
        mandatory: true,
        description: "How the vulnerability is exploited.",
        values: &[
            v(
                "L",
                "Local",
                "The attacker needs physical access or a local account.",
            ),
            v(
                "A",
                "Adjacent Network",
                "The attacker needs access to the broadcast or collision domain.",
            ),
            v("N", "Network", "The vulnerability is remotely exploitable."),
        ],
    },
    MetricDef {
        abbr: "AC",
        name: "Access Complexity",
        group: Group::Base,
        mandatory: true,
        description: "The complexity of the attack once the attacker has access to the target.",
        values: &[
            v("H", "High", "Specialized access conditions exist."),
            v(
                "M",
                "Medium",
                "The access conditions are somewhat specialized.",
            ),
            v("L", "Low", "Specialized access conditions do not exist."),
        ],
    },
    MetricDef {
        abbr: "Au",
        name: "Authentication",
        group: Group::Base,
        mandatory: true,
        description: "How many times an attacker must authenticate to a target to exploit it.",
        values: &[
            v(
                "M",
                "Multiple",
                "The attacker must authenticate two or more times.",
            ),
            v(
                "S",
                "Single",
                "The attacker must be logged into the system once.",
            ),
            v("N", "None", "Authentication is not required."),
        ],
    },
    MetricDef {
        abbr: "C",
        name: "Confidentiality Impact",
        group: Group::Base,
        mandatory: true,
        description: "The impact on confidentiality of a successfully exploited vulnerability.",
        values: &CIA,
    },
    MetricDef {
        abbr: "I",
        name: "Integrity Impact",
        group: Group::Base,
        mandatory: true,
        description: "The impact on integrity of a successfully exploited vulnerability.",
        values: &CIA,
    },
    MetricDef {
        abbr: "A",
        name: "Availability Impact",
        group: Group::Base,
        mandatory: true,
        description: "The impact on availability of a successfully exploited vulnerability.",
        values: &CIA,
    },
    MetricDef {
        abbr: "E",
        name: "Exploitability",
        group: Group::Temporal,
        mandatory: false,
        description: "The current state of exploit techniques or code availability.",
        values: &[
            v(
                "U",
                "Unproven",
                "No exploit code is available, or an exploit is entirely theoretical.",
            ),
            v(
                "POC",
                "Proof-of-Concept",
                "Proof-of-concept exploit code exists.",
            ),
            v("F", "Functional", "Functional exploit code is available."),
            v("H", "High", "Exploitation is automated or not needed."),
            ND,
        ],
    },
    MetricDef {
        abbr: "RL",
        name: "Remediation Level",
        group: Group::Temporal,
        mandatory: false,
        description: "The remediation available for the vulnerability.",
        values: &[
            v(
                "OF",
                "Official Fix",
                "A complete vendor solution is available.",
            ),
            v(
                "TF",
                "Temporary Fix",
                "An official but temporary fix is available.",
            ),
            v(
                "W",
                "Workaround",
                "An unofficial, non-vendor solution is available.",
            ),
            v(
                "U",
                "Unavailable",
                "There is no solution available or it is impossible to apply.",
            ),
            ND,
        ],
    },
    MetricDef {
        abbr: "RC",
        name: "Report Confidence",
        group: Group::Temporal,
        mandatory: false,
        description: "The degree of confidence in the existence of the vulnerability and its details.",
        values: &[
            v(
                "UC",
                "Unconfirmed",
                "There is a single unconfirmed source or several conflicting reports.",
            ),
            v(
                "UR",
                "Uncorroborated",
                "There are several non-official sources, possibly with inconsistencies.",
            ),
            v(
                "C",
                "Confirmed",
                "The vendor or author has acknowledged the vulnerability.",
            ),
            ND,
        ],
    },
    MetricDef {
        abbr: "CDP",
        name: "Collateral Damage Potential",
        group: Group::Environmental,
        mandatory: false,
        description: "The potential for loss of life or physical assets, productivity or revenue.",
        values: &[
            v("N", "None", "There is no potential for loss."),
            v(
                "L",
                "Low",
                "A successful exploit may result in slight loss.",
            ),
            v(
                "LM",
                "Low-Medium",
                "A successful exploit may result in moderate loss.",
            ),
            v(
                "MH",
                "Medium-High",
                "A successful exploit may result in significant loss.",
            ),
            v(
                "H",
                "High",
                "A successful exploit may result in catastrophic loss.",
            ),
            ND,
        ],
    },
    MetricDef {
        abbr: "TD",
        name: "Target Distribution",
        group: Group::Environmental,
        mandatory: false,
        description: "The proportion of vulnerable systems in the environment.",
        values: &[
            v(
                "N",
                "None",
                "No target systems exist, or only in highly specialized settings.",
            ),
            v("L", "Low", "1% to 25% of the environment is at risk."),
            v("M", "Medium", "26% to 75% of the environment is at risk."),
            v("H", "High", "76% to 100% of the environment is at risk."),
            ND,
        ],
    },
    MetricDef {
        abbr: "CR",
        name: "Confidentiality Requirement",
        group: Group::Environmental,
        mandatory: false,
        description: "The importance of the affected asset's confidentiality to the organization.",
        values: &REQ,
    },
    MetricDef {
        abbr: "IR",
        name: "Integrity Requirement",
        group: Group::Environmental,
        mandatory: false,
        description: "The importance of the affected asset's integrity to the organization.",
        values: &REQ,
    },
    MetricDef {
        abbr: "AR",
        name: "Availability Requirement",
        group: Group::Environmental,
        mandatory: false,
        description: "The importance of the affected asset's availability to the organization.",
        values: &REQ,
    },
];
