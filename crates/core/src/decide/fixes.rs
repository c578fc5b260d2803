//! Fixes (C12, C15, V1, V3–V6, V8): the affected branches and the track, fixes per
//! branch with their approvals and state, waived backports, the mitigation, and CVSS
//! recorded as not applicable (C13).

use super::{Decider, body_text, member, one};
use crate::access::Action;
use crate::case::{Fix, FixState, Stage};
use crate::command::FixProgress;
use crate::event::Event;
use crate::ids::{AttachmentId, FixId};
use crate::rejection::{Invalid, Rejection, Rule};
use crate::text::{self, limits};
use crate::track::{self, AffectedBranch, TrackError, TrackKind};

/// Fixes are worked on from confirmation until the case is closed; a release after
/// disclosure is still recorded.
fn fixing(d: &Decider) -> Result<(), Rejection> {
    d.publishing()
}

/// A branch as the project spells it, or a rejection naming it.
fn known_branch(d: &Decider, field: &str, b: &AffectedBranch) -> Result<AffectedBranch, Invalid> {
    d.project()
        .component(b.component.trim())
        .and_then(|c| {
            c.branches
                .iter()
                .find(|x| x.name == b.branch.trim())
                .map(|x| AffectedBranch::new(&c.name, &x.name))
        })
        .ok_or_else(|| {
            Invalid::new(
                field,
                Rule::UnknownBranch,
                format!(
                    "`{field}`: {b} is not in the project's branch list; add it to the project first"
                ),
            )
        })
}

pub(super) fn set_affected(d: &Decider, branches: &[AffectedBranch]) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    fixing(d)?;
    if branches.is_empty() {
        return Err(Rejection::invalid(
            "branches",
            Rule::Required,
            "`branches`: name at least one affected branch",
        ));
    }
    let mut problems = Vec::new();
    let mut known: Vec<AffectedBranch> = Vec::new();
    for (i, b) in branches.iter().enumerate() {
        match known_branch(d, &format!("branches[{i}]"), b) {
            Ok(k) if !known.contains(&k) => known.push(k),
            Ok(_) => {}
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(Rejection::Invalid(problems));
    }
    let project = d.project();
    let unknown =
        |e: TrackError| Rejection::invalid("branches", Rule::UnknownBranch, e.to_string());
    let track = TrackKind::derive(project, &known).map_err(unknown)?;
    let checklist = track::backports(project, &known).map_err(unknown)?;
    // In the project's order, so the same set reads the same way.
    let mut ordered = Vec::new();
    for c in &project.components {
        for b in &c.branches {
            let a = AffectedBranch::new(&c.name, &b.name);
            if known.contains(&a) {
                ordered.push(a);
            }
        }
    }
    if ordered == d.case.fixes.affected {
        return Err(d.illegal("these are already its affected branches"));
    }
    Ok(Event::AffectedSet {
        branches: ordered,
        track,
        checklist,
    })
}

/// A commit id: 7 to 64 hexadecimal digits.
fn commit_id(value: Option<&str>) -> Result<Option<String>, Rejection> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) if (7..=64).contains(&c.len()) && c.chars().all(|x| x.is_ascii_hexdigit()) => {
            Ok(Some(c.to_ascii_lowercase()))
        }
        Some(_) => Err(Rejection::invalid(
            "commit",
            Rule::InvalidFormat,
            "`commit`: a commit id is 7 to 64 hexadecimal digits",
        )),
    }
}

pub(super) fn record_fix(
    d: &Decider,
    branch: &AffectedBranch,
    reference: &str,
    commit: Option<&str>,
    author: Option<crate::ids::UserId>,
) -> Result<Vec<Event>, Rejection> {
    d.need(Action::Collaborate)?;
    fixing(d)?;
    let (branch, reference) = match (
        known_branch(d, "branch", branch),
        text::required_line("reference", reference, limits::URL),
    ) {
        (Ok(b), Ok(r)) => (b, r),
        (b, r) => {
            return Err(Rejection::Invalid(
                [b.err(), r.err()].into_iter().flatten().collect(),
            ));
        }
    };
    let commit = commit_id(commit)?;
    let author = match (author, d.actor) {
        (Some(id), _) => member(d.project(), id, "author")?,
        (None, crate::actor::Actor::User(u)) => u.as_ref(),
        (
            None,
            crate::actor::Actor::Anonymous
            | crate::actor::Actor::Reporter(_)
            | crate::actor::Actor::Operator,
        ) => {
            return Err(Rejection::invalid(
                "author",
                Rule::Required,
                "`author`: name the member who wrote the fix",
            ));
        }
    };
    let fix = d.case.fixes.next_id();
    let mut events = vec![Event::FixRecorded {
        fix,
        branch,
        reference,
        commit,
        author,
    }];
    if d.project().policy().required_approvals == 0 {
        events.push(Event::FixStateChanged {
            fix,
            state: FixState::Approved,
        });
    }
    Ok(events)
}

fn the_fix<'a>(d: &'a Decider, fix: FixId) -> Result<&'a Fix, Rejection> {
    d.case.fixes.fix(fix).ok_or(Rejection::NotFound)
}

pub(super) fn approve(d: &Decider, fix: FixId) -> Result<Vec<Event>, Rejection> {
    d.need(Action::Collaborate)?;
    fixing(d)?;
    let f = the_fix(d, fix)?;
    let crate::actor::Actor::User(me) = d.actor else {
        return Err(Rejection::Forbidden {
            action: d.command.action(),
            needs: Action::Collaborate.needs(),
        });
    };
    if f.author.id == me.id {
        return Err(Rejection::invalid(
            "fix",
            Rule::NotAllowed,
            format!(
                "`fix`: {} wrote fix {fix}, and an author's own approval never counts; another reviewer must approve it",
                f.author.name
            ),
        ));
    }
    if f.approvals.iter().any(|a| a.by.id == me.id) {
        return Err(Rejection::Conflict {
            field: "fix".into(),
            message: format!("you already approved fix {fix}"),
        });
    }
    match &f.state {
        FixState::InReview | FixState::Approved => {}
        FixState::Merged | FixState::Released { .. } => {
            return Err(d.illegal(&format!("fix {fix} is already {}", f.state)));
        }
    }
    let mut events = vec![Event::FixApproved { fix }];
    let required = usize::from(d.project().policy().required_approvals);
    if f.state == FixState::InReview && f.approvals.len() + 1 >= required {
        events.push(Event::FixStateChanged {
            fix,
            state: FixState::Approved,
        });
    }
    Ok(events)
}

pub(super) fn advance(d: &Decider, fix: FixId, to: &FixProgress) -> Result<Event, Rejection> {
    d.need(Action::Collaborate)?;
    fixing(d)?;
    let f = the_fix(d, fix)?;
    let required = d.project().policy().required_approvals;
    let state = match (to, &f.state) {
        (FixProgress::Merged, FixState::Approved) => FixState::Merged,
        (FixProgress::Merged, FixState::InReview) => {
            return Err(d.illegal(&format!(
                "fix {fix} has {} of the {required} approvals the policy requires (V6)",
                f.approvals.len()
            )));
        }
        (FixProgress::Merged, FixState::Merged | FixState::Released { .. }) => {
            return Err(d.illegal(&format!("fix {fix} is already {}", f.state)));
        }
        (FixProgress::Released { version }, FixState::Merged) => {
            let version = text::required_line("version", version, limits::NAME).map_err(one)?;
            // The version must be one of the fix's branch (kept as typed).
            if let Some(component) = d.project().component(&f.branch.component) {
                crate::release::branch_version("version", component, &f.branch.branch, &version)
                    .map_err(one)?;
            }
            FixState::Released { version }
        }
        (FixProgress::Released { .. }, FixState::InReview | FixState::Approved) => {
            return Err(d.illegal(&format!("fix {fix} is not merged yet")));
        }
        (FixProgress::Released { .. }, FixState::Released { .. }) => {
            return Err(d.illegal(&format!("fix {fix} is already {}", f.state)));
        }
    };
    Ok(Event::FixStateChanged { fix, state })
}

pub(super) fn attach_patch(
    d: &Decider,
    fix: FixId,
    attachment: &AttachmentId,
) -> Result<Event, Rejection> {
    d.need(Action::Collaborate)?;
    fixing(d)?;
    the_fix(d, fix)?;
    if !d.case.attachments.iter().any(|a| &a.id == attachment) {
        return Err(Rejection::invalid(
            "file",
            Rule::Required,
            "`file`: attach the patch file with the request",
        ));
    }
    Ok(Event::FixPatchAttached {
        fix,
        attachment: attachment.clone(),
    })
}

pub(super) fn waive(
    d: &Decider,
    branch: &AffectedBranch,
    reason: &str,
) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    fixing(d)?;
    let branch = known_branch(d, "branch", branch).map_err(one)?;
    let reason = body_text(reason).map_err(|_| {
        Rejection::invalid(
            "reason",
            Rule::Required,
            "`reason`: say why this branch gets no fix",
        )
    })?;
    let item = d
        .case
        .fixes
        .checklist()
        .into_iter()
        .find(|i| i.branch == &branch)
        .map(|i| i.status.done());
    match item {
        None => Err(Rejection::invalid(
            "branch",
            Rule::NotAllowed,
            format!("`branch`: {branch} is not on the case's backport checklist"),
        )),
        Some(true) => Err(d.illegal(&format!("{branch} is already done on the checklist"))),
        Some(false) => Ok(Event::BackportWaived { branch, reason }),
    }
}

pub(super) fn mitigation(d: &Decider, body: &str) -> Result<Event, Rejection> {
    d.need(Action::Lead)?;
    fixing(d)?;
    let text = text::required_body("text", body, limits::BODY).map_err(one)?;
    if d.case.fixes.mitigation.as_ref().map(|m| &m.text) == Some(&text) {
        return Err(d.illegal("this is already its mitigation"));
    }
    Ok(Event::MitigationRecorded { text })
}

pub(super) fn cvss_not_applicable(d: &Decider, reason: &str) -> Result<Event, Rejection> {
    d.need(Action::Coordinate)?;
    match d.case.stage {
        Stage::Received => return Err(d.illegal("acknowledge it first")),
        Stage::Rejected => return Err(d.illegal("it was rejected")),
        Stage::Closed => return Err(d.illegal("it is closed")),
        Stage::Triage
        | Stage::NeedsInfo
        | Stage::Confirmed
        | Stage::Fixing
        | Stage::ReleasePlanned
        | Stage::Disclosed => {}
    }
    let reason = text::required_body("reason", reason, limits::BODY).map_err(one)?;
    if d.case.scoring.not_applicable.as_ref() == Some(&reason) {
        return Err(d.illegal("CVSS is already recorded as not applicable"));
    }
    Ok(Event::CvssNotApplicable { reason })
}

#[cfg(test)]
mod tests {
    use crate::case::{Blocker, FixState, ItemStatus};
    use crate::clocks::{ClockName, ClockState};
    use crate::command::FixProgress;
    use crate::decide::fixtures::*;
    use crate::ids::FixId;
    use crate::policy::Policy;
    use crate::project::{Branch, BranchKind};
    use crate::track::{AffectedBranch, TrackKind};

    /// Connect's people with a Vitess-like branch list and policy: `go` has main, two
    /// supported releases and an unsupported one; fixes need `approvals` approvals.
    fn vitess(approvals: u8) -> Project {
        let mut p = project();
        let b = |name: &str, kind| Branch {
            name: name.into(),
            kind,
        };
        p.components[0].branches.extend([
            b("release-1.16", BranchKind::Supported),
            b("release-1.15", BranchKind::Supported),
            b("release-1.14", BranchKind::Unsupported),
        ]);
        let mut policy = Policy::vitess();
        policy.required_approvals = approvals;
        p.policy = Some(policy);
        p
    }

    fn go(branch: &str) -> AffectedBranch {
        AffectedBranch::new("go", branch)
    }

    fn act(p: &Project, case: &mut Case, actor: &Actor, cmd: Command) -> Vec<Recorded<Event>> {
        let events = decide(actor, p, case, cmd.clone(), at(case.version as i64))
            .unwrap_or_else(|e| panic!("{cmd:?} by {actor:?} refused: {e}"));
        for e in &events {
            case.apply(e);
        }
        events
    }

    fn no(p: &Project, case: &Case, actor: &Actor, cmd: Command) -> Rejection {
        decide(actor, p, case, cmd.clone(), at(99))
            .expect_err(&format!("{cmd:?} should be refused"))
    }

    /// Confirmed, led by Sam, with Mia as collaborator.
    fn confirmed(p: &Project) -> Case {
        let mut case = confirmed_case_led_by_sam();
        act(
            p,
            &mut case,
            &sam(),
            Command::AddCollaborator { user: UserId(3) },
        );
        case
    }

    fn affected(branches: &[&str]) -> Command {
        Command::SetAffected {
            branches: branches.iter().map(|b| go(b)).collect(),
        }
    }

    fn fix_on(branch: &str) -> Command {
        Command::RecordFix {
            branch: go(branch),
            reference: format!("https://github.com/acme/go-private/pull/{}", branch.len()),
            commit: Some("0123abcd".into()),
            author: None,
        }
    }

    #[test]
    fn v5_c15_a_supported_branch_makes_the_full_track_and_its_checklist() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        act(
            &p,
            &mut case,
            &sam(),
            affected(&["release-1.14", "release-1.16"]),
        );
        assert_eq!(case.fixes.track, Some(TrackKind::Full));
        // Main and the affected supported branch; not the unsupported one, nor 1.15.
        assert_eq!(case.fixes.checklist, [go("main"), go("release-1.16")]);
        assert_eq!(
            case.fixes.affected,
            [go("release-1.16"), go("release-1.14")]
        );
        // An unknown branch is named, and nothing changes.
        let e = no(&p, &case, &sam(), affected(&["main", "release-9.9"]));
        assert!(
            matches!(&e, Rejection::Invalid(v) if v.len() == 1 && v[0].field == "branches[1]" && v[0].rule == Rule::UnknownBranch && v[0].message.contains("go/release-9.9")),
            "{e:?}"
        );
        assert!(
            matches!(no(&p, &case, &sam(), affected(&[])), Rejection::Invalid(v) if v[0].rule == Rule::Required)
        );
        // A maintainer on the case may not set them; the reporter may not.
        assert!(matches!(
            no(&p, &case, &mia(), affected(&["main"])),
            Rejection::Forbidden { .. }
        ));
        assert!(matches!(
            no(&p, &case, &reporter(), affected(&["main"])),
            Rejection::Forbidden { .. }
        ));
    }

    #[test]
    fn v3_main_but_no_supported_branch_needs_a_fix_on_main_only() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        act(&p, &mut case, &sam(), affected(&["main", "release-1.14"]));
        assert_eq!(case.fixes.track, Some(TrackKind::MainOnly));
        assert_eq!(case.fixes.checklist, [go("main")]);
        assert_eq!(case.fixes.ready_at, None);
    }

    #[test]
    fn v4_only_unsupported_releases_need_no_fix_but_an_upgrade_notice_to_disclose() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        act(&p, &mut case, &sam(), affected(&["release-1.14"]));
        assert_eq!(case.fixes.track, Some(TrackKind::UnsupportedOnly));
        assert!(case.fixes.checklist.is_empty());
        // Nothing to fix: the checklist is complete at once, and the fix-ready clock stops.
        assert_eq!(case.clock_facts().fix_ready, case.fixes.ready_at);
        assert!(case.fixes.ready_at.is_some());
        for cmd in [
            Command::SetAdvisory(advisory()),
            set_cvss(Some(V31), None, "DoS"),
        ] {
            act(&p, &mut case, &sam(), cmd);
        }
        assert!(matches!(
            no(&p, &case, &sam(), Command::Disclose),
            Rejection::Blocked { blockers, .. } if blockers == [Blocker::NoUpgradeNotice, Blocker::ReleaseNotesNotFinal, Blocker::ReleaseDateNotAgreed]
        ));
        for (actor, cmd) in release_commands() {
            act(&p, &mut case, &actor, cmd);
        }
        act(
            &p,
            &mut case,
            &sam(),
            Command::RecordMitigation {
                text: "Upgrade to release-1.16 or later.".into(),
            },
        );
        act(&p, &mut case, &sam(), Command::Disclose);
        assert_eq!(case.stage, Stage::Disclosed);
    }

    #[test]
    fn c12_v6_fixes_are_reviewed_and_the_authors_own_approval_never_counts() {
        let p = vitess(2);
        let mut case = confirmed(&p);
        act(&p, &mut case, &sam(), affected(&["release-1.16"]));
        // Mia, a collaborator, records the fix on main: the case is fixing.
        let e = act(&p, &mut case, &mia(), fix_on("main"));
        assert_eq!(e[0].event.visibility(), Visibility::Internal);
        assert_eq!(case.stage, Stage::Fixing);
        let fix = FixId(1);
        assert_eq!(case.fixes.fix(fix).unwrap().author.name, "Mia");
        assert_eq!(case.fixes.fix(fix).unwrap().state, FixState::InReview);
        // Her own approval is refused, naming the rule.
        let e = no(&p, &case, &mia(), Command::ApproveFix { fix });
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "fix" && v[0].rule == Rule::NotAllowed),
            "{e:?}"
        );
        // Not merged before the policy's two approvals.
        let merge = Command::AdvanceFix {
            fix,
            to: FixProgress::Merged,
        };
        act(&p, &mut case, &sam(), Command::ApproveFix { fix });
        assert!(matches!(
            no(&p, &case, &sam(), Command::ApproveFix { fix }),
            Rejection::Conflict { .. }
        ));
        let e = no(&p, &case, &sam(), merge.clone());
        assert!(e.to_string().contains("1 of the 2 approvals"), "{e}");
        act(&p, &mut case, &ada(), Command::ApproveFix { fix });
        assert_eq!(case.fixes.fix(fix).unwrap().state, FixState::Approved);
        // Released only after merged.
        let release = |v: &str| Command::AdvanceFix {
            fix,
            to: FixProgress::Released { version: v.into() },
        };
        assert!(matches!(
            no(&p, &case, &sam(), release("1.17.0")),
            Rejection::IllegalTransition { .. }
        ));
        act(&p, &mut case, &mia(), merge.clone());
        assert!(
            matches!(no(&p, &case, &sam(), release("")), Rejection::Invalid(v) if v[0].field == "version")
        );
        // A fix on main is not released in a version of release-1.16's line.
        let e = no(&p, &case, &sam(), release("1.16.4"));
        assert!(
            matches!(&e, Rejection::Invalid(v) if v[0].field == "version" && v[0].message.contains("`release-1.16`, not of `main`")),
            "{e:?}"
        );
        act(&p, &mut case, &mia(), release("1.17.0"));
        assert_eq!(
            case.fixes.fix(fix).unwrap().state,
            FixState::Released {
                version: "1.17.0".into()
            }
        );
        // A fix on a branch the project does not list, a bad commit: named.
        let mut bad = fix_on("release-7");
        if let Command::RecordFix { commit, .. } = &mut bad {
            *commit = Some("xyz".into());
        }
        assert!(
            matches!(no(&p, &case, &mia(), bad), Rejection::Invalid(v) if v[0].field == "branch")
        );
        // Max (a maintainer not on the case) cannot know it; the reporter may not.
        assert_eq!(no(&p, &case, &max(), fix_on("main")), Rejection::NotFound);
        assert!(matches!(
            no(&p, &case, &reporter(), fix_on("main")),
            Rejection::Forbidden { .. }
        ));
        assert_eq!(
            no(&p, &case, &sam(), Command::ApproveFix { fix: FixId(9) }),
            Rejection::NotFound
        );
    }

    #[test]
    fn v1_v6_the_checklist_complete_stops_the_fix_ready_clock() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        act(
            &p,
            &mut case,
            &sam(),
            affected(&["release-1.16", "release-1.15"]),
        );
        assert_eq!(
            case.fixes.checklist,
            [go("main"), go("release-1.16"), go("release-1.15")]
        );
        for (n, branch) in [(1, "main"), (2, "release-1.16")] {
            let fix = FixId(n);
            act(&p, &mut case, &mia(), fix_on(branch));
            act(&p, &mut case, &sam(), Command::ApproveFix { fix });
            act(
                &p,
                &mut case,
                &mia(),
                Command::AdvanceFix {
                    fix,
                    to: FixProgress::Merged,
                },
            );
        }
        let open: Vec<_> = case
            .fixes
            .checklist()
            .into_iter()
            .filter(|i| !i.status.done())
            .map(|i| i.branch.clone())
            .collect();
        assert_eq!(open, [go("release-1.15")]);
        assert_eq!(case.fixes.ready_at, None);
        let fix_ready = |case: &Case| {
            case.clocks(p.policy().as_ref(), at(1000))
                .into_iter()
                .find(|c| c.name == ClockName::FixReady)
                .unwrap()
                .state
        };
        assert_eq!(fix_ready(&case), ClockState::Running);
        // The backport is waived with a reason (the coordinator's call).
        let waive = |reason: &str| Command::WaiveBackport {
            branch: go("release-1.15"),
            reason: reason.into(),
        };
        assert!(matches!(
            no(&p, &case, &mia(), waive("no")),
            Rejection::Forbidden { .. }
        ));
        assert!(
            matches!(no(&p, &case, &sam(), waive(" ")), Rejection::Invalid(v) if v[0].field == "reason")
        );
        assert!(matches!(
            no(&p, &case, &sam(), Command::WaiveBackport { branch: go("release-1.14"), reason: "x".into() }),
            Rejection::Invalid(v) if v[0].field == "branch"
        ));
        act(&p, &mut case, &sam(), waive("The code is not in 1.15."));
        assert!(matches!(
            case.fixes.checklist()[2].status,
            ItemStatus::Waived(_)
        ));
        assert!(case.fixes.complete());
        assert_eq!(
            case.clock_facts().fix_ready,
            Some(at(case.version as i64 - 1))
        );
        assert_eq!(fix_ready(&case), ClockState::Met);
    }

    #[test]
    fn v8_disclose_names_every_blocker_of_an_empty_confirmed_case() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        let e = no(&p, &case, &sam(), Command::Disclose);
        assert!(
            matches!(&e, Rejection::Blocked { blockers, .. } if blockers == &[Blocker::NoFixOrMitigation, Blocker::NoSummary, Blocker::NoFinalCvss, Blocker::ReleaseNotesNotFinal, Blocker::ReleaseDateNotAgreed]),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("the report's title is never published"),
            "{e}"
        );
        // A merged fix instead of a mitigation, CVSS recorded as not applicable.
        act(&p, &mut case, &sam(), affected(&["main"]));
        act(&p, &mut case, &mia(), fix_on("main"));
        act(&p, &mut case, &sam(), Command::ApproveFix { fix: FixId(1) });
        act(
            &p,
            &mut case,
            &mia(),
            Command::AdvanceFix {
                fix: FixId(1),
                to: FixProgress::Merged,
            },
        );
        act(&p, &mut case, &sam(), Command::SetAdvisory(advisory()));
        for (actor, cmd) in release_commands() {
            act(&p, &mut case, &actor, cmd);
        }
        assert!(matches!(
            no(&p, &case, &sam(), Command::Disclose),
            Rejection::Blocked { blockers, .. } if blockers == [Blocker::NoFinalCvss]
        ));
        act(
            &p,
            &mut case,
            &sam(),
            Command::SetCvssNotApplicable {
                reason: "A hardening fix.".into(),
            },
        );
        act(&p, &mut case, &sam(), Command::Disclose);
        assert_eq!(case.stage, Stage::Disclosed);
    }

    #[test]
    fn c13_cvss_not_applicable_is_the_coordinators_call_and_a_score_replaces_it() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        let na = Command::SetCvssNotApplicable {
            reason: "Hardening only.".into(),
        };
        assert!(matches!(
            no(&p, &case, &mia(), na.clone()),
            Rejection::Forbidden { .. }
        ));
        let e = act(&p, &mut case, &sam(), na.clone());
        assert_eq!(e[0].event.visibility(), Visibility::Shared);
        assert!(matches!(
            no(&p, &case, &sam(), na),
            Rejection::IllegalTransition { .. }
        ));
        act(&p, &mut case, &sam(), set_cvss(Some(V31), None, "DoS"));
        assert_eq!(case.scoring.not_applicable, None);
        assert!(case.scoring.score.is_some());
    }

    #[test]
    fn the_public_title_is_the_teams_summary_never_the_reports_title() {
        let p = vitess(1);
        let mut case = confirmed(&p);
        assert!(!case.public_title().contains("Panic on oversized frame"));
        assert_eq!(
            case.public_title(),
            format!("Security advisory {}", case.id)
        );
        act(
            &p,
            &mut case,
            &sam(),
            Command::AssignCveId {
                id: "CVE-2026-4242".into(),
            },
        );
        assert_eq!(case.public_title(), "Security advisory CVE-2026-4242");
        act(&p, &mut case, &sam(), Command::SetAdvisory(advisory()));
        assert_eq!(
            case.public_title(),
            "Unbounded allocation in frame decoding"
        );
    }
}
