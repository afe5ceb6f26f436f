//! Plausibility: intake answers that cannot all be true at once. They are not errors (each
//! field is in range, and the therapist may have a reason), so they become warnings that name
//! the fields to check.

use crate::intake::Intake;

/// Two or more intake answers that contradict each other.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Implausible {
    /// The longest sitting bout is longer than all the day's sitting.
    BoutLongerThanSitting {
        /// Minutes.
        bout_min: f64,
        /// Hours per day.
        sitting_hours: f64,
    },
    /// Breaks come more often than the longest bout allows.
    BoutLongerThanBreakInterval {
        /// Minutes.
        bout_min: f64,
        /// Minutes between breaks.
        break_every_min: f64,
    },
    /// More hours driving than sitting in a car.
    DrivingMoreThanCar {
        /// Hours per day.
        driving_hours: f64,
        /// Hours per day.
        car_hours: f64,
    },
    /// More hours on calls than on the phone and computer together.
    CallsMoreThanDevices {
        /// Hours per day.
        call_hours: f64,
        /// Phone plus computer hours per day.
        device_hours: f64,
    },
    /// Pain now is worse than the worst in the last 24 hours.
    NprsNowAboveWorst {
        /// 0–10.
        now: u8,
        /// 0–10.
        worst_24h: u8,
    },
    /// Headache locations without headache days.
    HeadacheLocationsWithoutDays,
}

impl Implausible {
    /// The intake fields to check, by their file paths.
    pub fn fields(&self) -> &'static [&'static str] {
        match self {
            Implausible::BoutLongerThanSitting { .. } => &["exposure.longest_bout_min", "exposure.sitting"],
            Implausible::BoutLongerThanBreakInterval { .. } => &["exposure.longest_bout_min", "exposure.break_every_min"],
            Implausible::DrivingMoreThanCar { .. } => &["exposure.hands_forward.driving", "exposure.sitting.car"],
            Implausible::CallsMoreThanDevices { .. } => {
                &["exposure.workstation.call_hours", "exposure.hands_forward.phone", "exposure.hands_forward.computer"]
            }
            Implausible::NprsNowAboveWorst { .. } => &["outcomes.nprs.now", "outcomes.nprs.worst_24h"],
            Implausible::HeadacheLocationsWithoutDays => &["symptoms.headache.locations", "symptoms.headache.days_per_month"],
        }
    }
}

/// Every contradiction in an intake.
pub fn check(intake: &Intake) -> Vec<Implausible> {
    let e = &intake.exposure;
    let mut out = Vec::new();
    let sitting_hours = e.sitting.total();
    if let Some(bout_min) = e.longest_bout_min {
        if bout_min > sitting_hours * 60.0 + 1e-9 {
            out.push(Implausible::BoutLongerThanSitting { bout_min, sitting_hours });
        }
        if let Some(break_every_min) = e.break_every_min.filter(|b| bout_min > b * 1.5) {
            out.push(Implausible::BoutLongerThanBreakInterval { bout_min, break_every_min });
        }
    }
    let (driving_hours, car_hours) = (e.hands_forward.driving, e.sitting.car);
    if driving_hours > car_hours + 1e-9 {
        out.push(Implausible::DrivingMoreThanCar { driving_hours, car_hours });
    }
    let device_hours = e.hands_forward.phone + e.hands_forward.computer;
    if let Some(call_hours) = e.call_hours.filter(|c| *c > device_hours + 1e-9) {
        out.push(Implausible::CallsMoreThanDevices { call_hours, device_hours });
    }
    if let Some(n) = &intake.outcomes.nprs
        && let (Some(now), Some(worst_24h)) = (n.now, n.worst_24h)
        && now > worst_24h
    {
        out.push(Implausible::NprsNowAboveWorst { now, worst_24h });
    }
    if let Some(h) = &intake.symptoms.headache
        && h.days_per_month <= 0.0
        && !h.locations.is_empty()
    {
        out.push(Implausible::HeadacheLocationsWithoutDays);
    }
    out
}
