//! Plans: the engine's plan of an assessment (from its newest report) beside the therapist's
//! edit, and saving an edit.
//!
//! The therapist's edit replaces the engine's plan for the client; the engine's stays for the
//! record. While the newest report's red-flag screen blocks the plan, there is no plan to edit
//! and none is shown to the client, edited or not. Left out on purpose: the editing form.

use tonus_app::report::PlanView;
use tonus_store::Assessment;

use crate::audit::{Action, Event, RecordKind};
use crate::docs::{self, PlanRecord};
use crate::error::ClinicError;
use crate::{Actor, Clinic};

/// Reads a plan the therapist typed as JSON in the report's plan format; the error names the
/// field `plan`.
pub fn parse_plan(text: &str) -> Result<PlanView, ClinicError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ClinicError::field("plan", format!("not valid JSON ({e})")))?;
    serde_json::from_value(value).map_err(|e| ClinicError::field("plan", e.to_string()))
}

impl Clinic {
    /// The plan of a completed assessment; `None` for a draft.
    pub async fn plan(&self, assessment: &Assessment) -> Result<Option<PlanRecord>, ClinicError> {
        let Some(stored) = self.store.plan_for(assessment.id).await? else { return Ok(None) };
        let report = self.latest_report(assessment.id).await?;
        let blocked = report.as_ref().is_some_and(|r| r.report.red_flags.plan_blocked);
        let engine = report.and_then(|r| r.report.plan);
        let edited =
            stored.edited_plan.as_ref().map(|p| docs::plan(p, &format!("the edited plan of assessment {}", assessment.id))).transpose()?;
        Ok(Some(PlanRecord {
            assessment: assessment.id,
            engine,
            edited,
            edited_by: stored.edited_by,
            edited_at: stored.edited_at,
            blocked,
        }))
    }

    /// Saves the therapist's version of the plan. Refused while a red flag blocks the plan.
    pub async fn edit_plan(&self, actor: Actor, assessment: &Assessment, plan: &PlanView) -> Result<PlanRecord, ClinicError> {
        let user = actor.0.ok_or_else(|| ClinicError::invalid("a plan is edited by a practitioner's account"))?;
        let current =
            self.plan(assessment).await?.ok_or_else(|| ClinicError::conflict("this assessment has no plan: it is not complete"))?;
        if current.blocked {
            return Err(ClinicError::conflict(
                "the red-flag screen blocks the plan: refer the client first; a clearance recorded at reassessment lifts the block",
            ));
        }
        self.store.edit_plan(assessment.id, docs::to_value(plan, "the plan")?, user).await?;
        self.audit(actor, Event::new(Action::Update, RecordKind::Plan, assessment.id).detail("edited by therapist")).await?;
        self.plan(assessment).await?.ok_or_else(|| ClinicError::not_found("the plan is missing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_plan_names_the_plan_field_when_it_is_wrong() {
        let err = parse_plan("{not json").unwrap_err();
        assert_eq!(err.field.as_deref(), Some("plan"));
        assert!(err.message.starts_with("not valid JSON"), "{err}");
        let err = parse_plan(r#"{"kind": "corrective"}"#).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("plan"));
        assert!(err.message.contains("missing field"), "{err}");
    }
}
