"""Builds `medcalc_calculators.json`, the table the MedCalc tools are made from (run by hand when the
data or the package changes: `python -m clinreason.tools._medcalc_build [test_data.csv]`).

Per calculator: its MedCalc-Bench id, name, category and output type; the `medcalc-bench` package
function that computes it; and one input per "Relevant Entities" key seen in the data, with the
package's argument name (from the benchmark's own `name_to_python.json`, ncbi-nlp/MedCalc-Bench
calculator_implementations/, matched case-insensitively), the JSON type, the units seen, the text
values seen, and whether every row of that calculator had it (required)."""

from __future__ import annotations

import ast
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

# id -> (medcalc module, function); None: the package has no working function (composed in medcalc.py).
FUNCTIONS = {
    2: "creatinine_clearance.generate_cockcroft_gault_explanation", 3: "ckd_epi_2021_creatinine.ckd_epi_2021_explanation",
    4: "cha2ds2_vasc_score.generate_cha2ds2_vasc_explanation", 5: "mean_arterial_pressure.mean_arterial_pressure_explanation",
    6: "bmi_calculator.bmi_calculator_explanation", 7: "calcium_correction.calculate_corrected_calcium_explanation",
    8: "wells_criteria_pe.calculate_pe_wells_explanation", 9: "mdrd_gfr.mrdr_gfr_explanation",
    10: "ideal_body_weight.ibw_explanation", 11: "qt_calculator_bazett.bazett_calculator_explanation",
    13: "estimated_due_date.add_40_weeks_explanation", 15: "child_pugh_score.compute_child_pugh_score_explanation",
    16: "wells_criteria_dvt.compute_wells_criteria_dvt_explanation", 17: "cardiac_risk_index.compute_cardiac_index_explanation",
    18: "heart_score.compute_heart_score_explanation", 19: "fibrosis_4.compute_fib4_explanation",
    20: "centor_score.compute_centor_score_explanation", 21: "glasgow_coma_score.compute_glasgow_coma_score_explanation",
    22: "maintenance_fluid_calc.maintenance_fluid_explanation", 23: "meldna.compute_meldna_explanation",
    24: "steroid_conversion.compute_steroid_conversion_explanation", 25: "has_bled_score.compute_has_bled_score_explanation",
    26: "sch.compute_sodium_correction_hyperglycemia_explanation", 27: "glasgow_bleeding_score.glasgow_bleeding_score_explanation",
    28: "apache_ii.apache_ii_explanation", 29: "psi_score.psi_score_explanation",
    30: "sOsm.compute_serum_osmolality_explanation", 31: "homa_ir.compute_homa_ir_explanation",
    32: "cci.compute_cci_explanation", 33: "feverpain.compute_fever_pain_explanation",
    36: "caprini_score.caprini_score_explanation", 38: "free_water_deficit.free_water_deficit_explanation",
    39: "anion_gap.compute_anion_gap_explanation", 40: "compute_fena.compute_fena_explanation",
    43: "sofa.compute_sofa_explanation", 44: "ldl_calculated.compute_ldl_explanation", 45: "curb_65.curb_65_explanation",
    46: "framingham_risk_score.framingham_risk_score_explanation", 48: "perc_rule.compute_perc_rule_explanation",
    49: "mme.mme_explanation", 51: "sirs_criteria.sirs_criteria_explanation",
    56: "qt_calculator_fredericia.fredericia_calculator_explanation",
    57: "qt_calculator_framingham.framingham_calculator_explanation",
    58: "qt_calculator_hodges.hodges_calculator_explanation", 59: "qt_calculator_rautaharju.rautaharju_calculator_explanation",
    60: "bsa_calculator.bsa_calculator_explaination",
    61: None,  # target_weight.py fails to import in medcalc-bench 1.7.0 (a missing helper): composed
    62: "adjusted_body_weight.abw_explanation", 63: "delta_gap.compute_delta_gap_explanation",
    64: None,  # the package has no plain delta ratio: composed from its delta gap
    65: "albumin_corrected_anion.compute_albumin_corrected_anion_explanation",
    66: "albumin_corrected_delta_gap.compute_albumin_corrected_delta_gap_explanation",
    67: "albumin_delta_ratio.compute_albumin_delta_ratio_explanation",
    68: "conception_date.add_2_weeks_explanation", 69: "gestational_age.compute_gestational_age_explanation",
}

# Entity name (lower case) -> package argument, where it is not the name in snake case. From the
# benchmark's name_to_python.json; per calculator where the same entity maps differently.
COMMON = {
    "congestive heart failure": "chf", "congestive heart faliure": "chf", "thromboembolism history": "thromboembolism",
    "vascular disease history": "vascular_disease", "diabetes history": "diabetes", "hypertension history": "hypertension",
    "transient ischemic attacks history": "tia", "systolic blood pressure": "sys_bp", "diastolic blood pressure": "dia_bp",
    "heart rate or pulse": "heart_rate", "previously documented pulmonary embolism": "previous_pe",
    "immobilization for at least 3 days": "immobilization_for_3days",
    "malignancy with treatment within 6 months or palliative": "malignancy_with_treatment",
    "pulmonary embolism is #1 diagnosis or equally likely": "pe_number_one",
    "surgery in the previous 4 weeks": "surgery_in_past4weeks", "previously documented deep vein thrombosis": "previous_dvt",
    "clinical signs and symptoms of deep vein thrombosis": "clinical_dvt", "qt interval": "qt_interval",
    "cycle length": "cycle_length", "last menstrual date": "menstrual_date", "current date": "current_date",
    "international normalized ratio": "inr", "alanine aminotransferase": "alt", "aspartate aminotransferase": "ast",
    "platelet count": "platelet_count", "cough absent": "cough_absent", "tender/swollen anterior cervical lymph nodes":
    "tender_lymph_nodes", "exudate or swelling on tonsils": "exudate_swelling_tonsils",
    "continuous veno-venous hemodialysis for ≥24 hours in the past week": "cvvhd",
    "dialysis at least twice in the past week": "dialysis_twice", "blood urea nitrogen (bun)": "bun",
    "white blood cell count": "wbc", "glasgow coma score": "gcs", "fio₂": "fio2", "fio2": "fio2",
    "partial pressure of oxygen (pao₂) for apache ii": "partial_pressure_oxygen", "a-a gradient": "a_a_gradient",
    "history of severe organ failure or immunocompromise": "organ_failure_immunocompromise", "hematocrit": "hemocratit",
    "respiratory rate": "respiratory_rate", "total cholesterol": "total_cholestrol",
    "high-density lipoprotein cholesterol": "hdl_cholestrol", "o₂ saturation percentage": "oxygen_sat",
    "paco₂": "paco2", "body mass index (bmi)": "bmi", "ph": "pH", "surgery type": "surgery_type",
}
PER_CALCULATOR = {
    16: {"alternative diagnosis to deep vein thrombosis as likely or more likely": "alternative_to_dvt_diagnosis",
         "localized tenderness along the deep venous system": "localized_tenderness_on_deep_venuous_system",
         "previously documented deep vein thrombosis": "previous_dvt_documented",
         "paralysis, paresis, or recent plaster immobilization of the lower extremity":
             "paralysis_paresis_immobilization_in_lower_extreme",
         "entire leg swollen": "leg_swollen", "bedridden recently >3 days or major surgery within 12 weeks":
             "bedridden_for_atleast_3_days", "major surgery within 12 weeks": "major_surgery_in_last_12_weeks",
         "calf swelling >3 centimeters compared to the other leg": "calf_swelling_3cm",
         "collateral (nonvaricose) superficial veins present": "collateral_superficial_veins",
         "pitting edema, confined to symptomatic leg": "pitting_edema_on_symptomatic_leg"},
    17: {"congestive heart failure criteria for the cardiac risk index rule": "congestive_heart_failure",
         "elevated-risk surgery": "elevated_risk_surgery", "history of ischemic heart disease": "ischemetic_heart_disease",
         "pre-operative treatment with insulin": "pre_operative_insulin_treatment",
         "pre-operative creatinine": "pre_operative_creatinine",
         "history of cerebrovascular disease": "cerebrovascular_disease", "cerebrovascular disease history": "cerebrovascular_disease"},
    18: {"electrocardiogram test": "electrocardiogram", "diabetes mellitus criteria for cci rule": "diabetes_mellitus",
         "parent or sibling with cardiovascular disease before age 65": "family_with_cvd", "suspicion history": "history",
         "initial troponin": "initial_troponin"},
    25: {"liver disease criteria for the has-bled rule": "liver_disease_has_bled",
         "renal disease criteria for the has-bled rule": "renal_disease_has_bled",
         "number of alcoholic drinks per week": "alcoholic_drinks",
         "medication usage predisposing to bleeding": "medications_for_bleeding",
         "prior major bleeding or predisposition to bleeding": "prior_bleeding", "labile international normalized ratio": "labile_inr"},
    27: {"cardiac failure present": "cardiac_failure", "melena present": "melena_present", "recent syncope": "syncope",
         "hepatic disease history": "hepatic_disease_history"},
    29: {"renal disease": "renal_disease", "renal disease history": "renal_disease",
         "cerebrovascular disease history": "cerebrovascular_disease", "neoplastic disease": "neoplastic_disease",
         "liver disease severity": "liver_disease", "liver disease history": "liver_disease",
         "nursing home resident": "nursing_home_resident", "pleural effusion on x-ray": "pleural_effusion",
         "altered mental status": "altered_mental_status"},
    32: {"myocardial infarction": "mi", "peripheral vascular disease": "peripheral_vascular_disease",
         "cerebrovascular accident": "cva", "chronic obstructive pulmonary disease": "copd", "chronic pulmonary disease": "copd",
         "connective tissue disease": "connective_tissue_disease", "peptic ulcer disease": "peptic_ucler_disease",
         "liver disease severity": "liver_disease", "diabetes mellitus criteria for cci rule": "diabetes_mellitus",
         "moderate to severe chronic kidney disease": "moderate_to_severe_ckd", "solid tumor": "solid_tumor"},
    33: {"symptom onset ≤3 days": "symptom_onset", "symptom onset <=3 days": "symptom_onset",
         "purulent tonsils": "purulent_tonsils", "fever in past 24 hours": "fever_24_hours",
         "severe tonsil inflammation": "severe_tonsil_inflammation", "absence of cough or coryza": "cough_coryza_absent"},
    36: {"major surgery in the last month": "major_surgery", "congestive heart failure in the last month": "chf",
         "sepsis in the last month": "sepsis", "pneumonia in the last month": "pneumonia",
         "immobilizing plaster cast in the last month": "immobilizing_plaster_case",
         "hip, pelvis, or leg fracture in the last month": "hip_pelvis_leg_fracture", "stroke in the last month": "stroke",
         "multiple trauma in the last month": "multiple_trauma",
         "acute spinal cord injury causing paralysis in the last month": "acute_spinal_chord_injury",
         "current central venous access": "current_central_venuous", "family history of thrombosis": "family_history_thrombosis",
         "positive factor v leiden": "positive_factor_v", "positive prothrombin 20210a": "positive_prothrombin",
         "elevated serum homocysteine": "serum_homocysteine", "positive lupus anticoagulant": "positive_lupus_anticoagulant",
         "elevated anticardiolipin antibody": "elevated_anticardiolipin_antibody",
         "heparin-induced thrombocytopenia": "heparin_induced_thrombocytopenia",
         "other congenital or acquired thrombophilia": "congenital_acquired_thrombophilia",
         "history of inflammatory bowel disease": "inflammatory_bowel_disease", "chronic obstructive pulmonary disease": "copd",
         "present or previous malignancy": "malignancy"},
    43: {"on mechanical ventilation": "mechanical_ventilation", "continous positive airway pressure": "cpap",
         "continuous positive airway pressure": "cpap", "dobutamine": "dobutamine"},
    61: {"body mass index (bmi)": "body_mass_index"},
}
PASS_THROUGH = {24, 49}  # the package reads the entity names themselves


def argument(calc_id: int, key: str) -> str:
    low = key.lower()
    if calc_id in PASS_THROUGH:
        return key
    return PER_CALCULATOR.get(calc_id, {}).get(low) or COMMON.get(low) or low.replace(" ", "_")


def kind(value) -> tuple[str, str | None]:
    """(input kind, unit): boolean / number / text / quantity [value, unit] / dose [drug, value, unit]."""
    if isinstance(value, bool):
        return "boolean", None
    if isinstance(value, (int, float)):
        return "number", None
    if isinstance(value, str):
        return "text", None
    if isinstance(value, list) and len(value) == 2:
        return "quantity", str(value[1])
    if isinstance(value, list) and len(value) == 3:
        return "dose", str(value[2])
    raise ValueError(f"unexpected entity value {value!r}")


def build(csv_path: Path) -> list[dict]:
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    calcs: dict[int, dict] = {}
    seen: dict[int, dict[str, dict]] = defaultdict(dict)
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        cid = int(row["Calculator ID"])
        counts[cid] += 1
        calcs.setdefault(cid, {"id": cid, "name": row["Calculator Name"], "category": row["Category"],
                               "output": row["Output Type"], "function": FUNCTIONS[cid]})
        for key, value in ast.literal_eval(row["Relevant Entities"]).items():
            k, unit = kind(value)
            entry = seen[cid].setdefault(key, {"name": key, "argument": argument(cid, key), "kinds": set(),
                                               "units": set(), "values": set(), "rows": 0})
            entry["kinds"].add(k)
            entry["rows"] += 1
            if unit:
                entry["units"].add(unit)
            if k == "text":
                entry["values"].add(value)
            if k == "dose":
                entry["values"].add(value[0])
    table = []
    for cid in sorted(calcs):
        inputs = []
        for e in seen[cid].values():
            kinds = sorted(e["kinds"])
            inputs.append({"name": e["name"], "argument": e["argument"],
                           "kind": kinds[0] if len(kinds) == 1 else "/".join(kinds),
                           "units": sorted(e["units"]), "values": sorted(e["values"]),
                           "required": e["rows"] == counts[cid]})
        table.append({**calcs[cid], "inputs": inputs})
    return table


if __name__ == "__main__":
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/medcalc_bench/test_data.csv")
    out = Path(__file__).with_name("medcalc_calculators.json")
    out.write_text(json.dumps(build(source), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
