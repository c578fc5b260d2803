//! CVSS v3.0 and v3.1: the metrics of the CVSS v3.1 Specification Document (FIRST,
//! 2019), sections 2–4, in the order of its Table 15. v3.0 has the same metrics and
//! values; only some descriptions and formulas changed in v3.1.
use super::{Group, MetricDef, ValueDef};

const fn v(abbr: &'static str, name: &'static str, description: &'static str) -> ValueDef {
    ValueDef {
        abbr,
        name,
        description,
    }
}

const X: ValueDef = v(
    "X",
    "Not Defined",
    "Skip this metric; it does not change the score.",
);

const AV_N: ValueDef = v(
    "N",
    "Network",
    "The vulnerable component is bound to the network stack; exploitable remotely, up to the whole Internet.",
);
const AV_A: ValueDef = v(
    "A",
    "Adjacent",
    "Exploitable only from a logically adjacent network (same subnet, Bluetooth, or a limited administrative domain).",
);
const AV_L: ValueDef = v(
    "L",
    "Local",
    "Exploitable through local access (keyboard, console, SSH) or by tricking a local user.",
);
const AV_P: ValueDef = v(
    "P",
    "Physical",
    "The attacker must physically touch or manipulate the vulnerable component.",
);
const AC_L: ValueDef = v(
    "L",
    "Low",
    "No specialized access conditions; the attack succeeds repeatably.",
);
const AC_H: ValueDef = v(
    "H",
    "High",
    "Success depends on conditions beyond the attacker's control.",
);
const PR_N: ValueDef = v("N", "None", "The attacker is unauthorized prior to attack.");
const PR_L: ValueDef = v("L", "Low", "The attacker needs privileges of a basic user.");
const PR_H: ValueDef = v(
    "H",
    "High",
    "The attacker needs significant (e.g. administrative) privileges.",
);
const UI_N: ValueDef = v(
    "N",
    "None",
    "Exploitable without any interaction from any user.",
);
const UI_R: ValueDef = v(
    "R",
    "Required",
    "A user must take some action before the vulnerability can be exploited.",
);
const S_U: ValueDef = v(
    "U",
    "Unchanged",
    "Only resources managed by the same security authority can be affected.",
);
const S_C: ValueDef = v(
    "C",
    "Changed",
    "Resources beyond the vulnerable component's security scope can be affected.",
);
const CIA_H: ValueDef = v(
    "H",
    "High",
    "Total loss, or a serious consequence of partial loss.",
);
const CIA_L: ValueDef = v("L", "Low", "Some loss, with limited consequences.");
const CIA_N: ValueDef = v("N", "None", "No loss.");
const CIA: [ValueDef; 3] = [CIA_H, CIA_L, CIA_N];
const MCIA: [ValueDef; 4] = [X, CIA_H, CIA_L, CIA_N];
const REQ: [ValueDef; 4] = [
    X,
    v(
        "H",
        "High",
        "Loss is likely to have a catastrophic adverse effect on the organization.",
    ),
    v(
        "M",
        "Medium",
        "Loss is likely to have a serious adverse effect on the organization.",
    ),
    v(
        "L",
        "Low",
        "Loss is likely to have only a limited adverse effect on the organization.",
    ),
];

const fn metric(
    abbr: &'static str,
    name: &'static str,
    group: Group,
    description: &'static str,
    values: &'static [ValueDef],
) -> MetricDef {
    MetricDef {
        abbr,
        name,
        group,
        mandatory: matches!(group, Group::Base),
        description,
        values,
    }
}

use Group::{Base, Environmental, Temporal};

pub(crate) static METRICS: &[MetricDef] = &[
    metric(
        "AV",
        "Attack Vector",
        Base,
        "The context by which vulnerability exploitation is possible.",
        &[AV_N, AV_A, AV_L, AV_P],
    ),
    metric(
        "AC",
        "Attack Complexity",
        Base,
        "Conditions beyond the attacker's control that must exist to exploit the vulnerability.",
        &[AC_L, AC_H],
    ),
    metric(
        "PR",
        "Privileges Required",
        Base,
        "The level of privileges an attacker must possess before exploiting the vulnerability.",
        &[PR_N, PR_L, PR_H],
    ),
    metric(
        "UI",
        "User Interaction",
        Base,
        "Whether a user other than the attacker must participate in the compromise.",
        &[UI_N, UI_R],
    ),
    metric(
        "S",
        "Scope",
        Base,
        "Whether a vulnerability in one component impacts resources beyond its security scope.",
        &[S_U, S_C],
    ),
    metric(
        "C",
        "Confidentiality",
        Base,
        "The impact on the confidentiality of the information resources managed by the impacted component.",
        &CIA,
    ),
    metric(
        "I",
        "Integrity",
        Base,
        "The impact on the trustworthiness and veracity of information.",
        &CIA,
    ),
    metric(
        "A",
        "Availability",
        Base,
        "The impact on the availability of the impacted component.",
        &CIA,
    ),
    metric(
        "E",
        "Exploit Code Maturity",
        Temporal,
        "The likelihood of the vulnerability being attacked, based on the state of exploit techniques and code.",
        &[
            X,
            v(
                "H",
                "High",
                "Functional autonomous code exists, or no exploit is required.",
            ),
            v(
                "F",
                "Functional",
                "Functional exploit code is available and works in most situations.",
            ),
            v(
                "P",
                "Proof-of-Concept",
                "Proof-of-concept exploit code is available, or an attack demonstration is not practical.",
            ),
            v(
                "U",
                "Unproven",
                "No exploit code is available, or an exploit is theoretical.",
            ),
        ],
    ),
    metric(
        "RL",
        "Remediation Level",
        Temporal,
        "The remediation level of the vulnerability.",
        &[
            X,
            v(
                "U",
                "Unavailable",
                "There is no solution available or it is impossible to apply.",
            ),
            v(
                "W",
                "Workaround",
                "There is an unofficial, non-vendor solution available.",
            ),
            v(
                "T",
                "Temporary Fix",
                "There is an official but temporary fix available.",
            ),
            v(
                "O",
                "Official Fix",
                "A complete vendor solution is available.",
            ),
        ],
    ),
    metric(
        "RC",
        "Report Confidence",
        Temporal,
        "The degree of confidence in the existence of the vulnerability and the credibility of its known technical details.",
        &[
            X,
            v(
                "C",
                "Confirmed",
                "Detailed reports exist, or functional reproduction is possible.",
            ),
            v(
                "R",
                "Reasonable",
                "Significant details are published, but the root cause is not fully confirmed.",
            ),
            v(
                "U",
                "Unknown",
                "There are reports of impacts that indicate a vulnerability is present, but the cause is unknown.",
            ),
        ],
    ),
    metric(
        "CR",
        "Confidentiality Requirement",
        Environmental,
        "The importance of the affected IT asset's confidentiality to the user's organization.",
        &REQ,
    ),
    metric(
        "IR",
        "Integrity Requirement",
        Environmental,
        "The importance of the affected IT asset's integrity to the user's organization.",
        &REQ,
    ),
    metric(
        "AR",
        "Availability Requirement",
        Environmental,
        "The importance of the affected IT asset's availability to the user's organization.",
        &REQ,
    ),
    metric(
        "MAV",
        "Modified Attack Vector",
        Environmental,
        "Attack Vector as it applies in the user's environment.",
        &[X, AV_N, AV_A, AV_L, AV_P],
    ),
    metric(
        "MAC",
        "Modified Attack Complexity",
        Environmental,
        "Attack Complexity as it applies in the user's environment.",
        &[X, AC_L, AC_H],
    ),
    metric(
        "MPR",
        "Modified Privileges Required",
        Environmental,
        "Privileges Required as it applies in the user's environment.",
        &[X, PR_N, PR_L, PR_H],
    ),
    metric(
        "MUI",
        "Modified User Interaction",
        Environmental,
        "User Interaction as it applies in the user's environment.",
        &[X, UI_N, UI_R],
    ),
    metric(
        "MS",
        "Modified Scope",
        Environmental,
        "Scope as it applies in the user's environment.",
        &[X, S_U, S_C],
    ),
    metric(
        "MC",
        "Modified Confidentiality",
        Environmental,
        "Confidentiality impact as it applies in the user's environment.",
        &MCIA,
    ),
    metric(
        "MI",
        "Modified Integrity",
        Environmental,
        "Integrity impact as it applies in the user's environment.",
        &MCIA,
    ),
    metric(
        "MA",
        "Modified Availability",
        Environmental,
        "Availability impact as it applies in the user's environment.",
        &MCIA,
    ),
];
