"""Maintainer tool: writes resources/protocols/*.json from the tables below.

The JSON files are the source of truth that ships and is hashed; this script only exists so that a
maintainer can regenerate them consistently. Edit the JSON directly for a site's own copy.
Every number cites a source key whose reference is taken from ../shared/clinical-basis.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def N(id, value, unit, source, grade=None, local=False, note="", alts=()):
    d = {
        "id": id,
        "value": value,
        "unit": unit,
        "source": source,
        "grade": grade,
        "local_policy": local,
    }
    if note:
        d["note"] = note
    if alts:
        d["alternatives"] = [dict(zip(("value", "text", "source"), a, strict=True)) for a in alts]
    return d


def L(id, values, unit, source, grade=None, local=False, note="", alts=()):
    d = N(id, 0, unit, source, grade, local, note, alts)
    del d["value"]
    d["values"] = list(values)
    return d


def T(id, text, source, grade=None, local=False):
    return {"id": id, "text": text, "source": source, "grade": grade, "local_policy": local}


# Each reference names its ORIGINAL (issue 15, item 6; ../shared/clinical-basis.md "Citing these
# sources"): a DOI or PMID for a paper, the DailyMed set id (or DailyMed itself) for a US label,
# the emc for a UK SmPC, the owning board's official site for a guideline, or the book with its
# edition and chapter. Copies the text was read on (mirrors, document-sharing sites, staging sites,
# AI summaries) are never cited; where a number was read only on one, the reference says so and the
# number is local policy. Grades: a manual is B, a trade magazine C.
DAILYMED = "https://dailymed.nlm.nih.gov/dailymed/"
REFS = {
    "local": (
        "Local policy of the deploying site. No A/B source gives this number; chosen by the "
        "B12-K Planner authors as a draft and NOT clinically reviewed.",
        "",
        None,
        "10-11",
    ),
    "fda-cyano-label": (
        "US cyanocobalamin injection label (FDA), DailyMed set id 7e10c47d-1036-47c1-a0ed-6929636366c2",
        DAILYMED + "drugInfo.cfm?setid=7e10c47d-1036-47c1-a0ed-6929636366c2",
        "A",
        "1.2, 2.1, 2.5, 3.2",
    ),
    "uk-smpc-hydroxo": (
        "Neo-Cytamen (hydroxocobalamin) 1000 micrograms/ml solution for injection: Summary of Product "
        "Characteristics, electronic medicines compendium (emc)",
        "https://www.medicines.org.uk/emc/product/9746/smpc",
        "A",
        "1.1, 2.1",
    ),
    "bnf-ggc": (
        "BNF hydroxocobalamin wording as quoted by NHS Greater Glasgow and Clyde, Medicines Update 17/08/2021",
        "https://ggcmedicines.org.uk/blog/medicines-update/vitamin-b12-guideline-updated",
        "B",
        "1.1",
    ),
    "nice-ng239": (
        "NICE guideline NG239: Vitamin B12 deficiency in over 16s: diagnosis and management (March 2024); "
        "summary BMJ 2024;385:q1019",
        "https://www.nice.org.uk/guidance/ng239",
        "A",
        "1.1, 3",
    ),
    "nice-ng239-thresholds": (
        "NICE NG239 (2024) serum B12 thresholds, read only as tabulated by a secondary summary: "
        "not checked against the NICE table itself",
        "https://www.nice.org.uk/guidance/ng239",
        "C",
        "3.1",
    ),
    "bsh-2014": (
        "Devalia V, Hamilton MS, Molloy AM. Guidelines for the diagnosis and treatment of cobalamin and folate "
        "disorders. Br J Haematol 2014;166(4):496-513. doi:10.1111/bjh.12959, PMID 24942828. Superseded by "
        "NICE NG239; its cut-off was read only through a summary",
        "https://doi.org/10.1111/bjh.12959",
        "C",
        "3.1",
    ),
    "ruh-bath-b12": (
        "Royal United Hospitals Bath NHS Foundation Trust, pathology: vitamin B12 (local thresholds; NICE "
        "thresholds do not apply to the local method)",
        "https://ruh.nhs.uk/pathology/blood_test_info/tubelisting.asp?id=316&listing=v",
        "B",
        "3.1",
    ),
    "kuzminski-1998": (
        "Kuzminski AM et al. Effective treatment of cobalamin deficiency with oral cobalamin. "
        "Blood 1998;92(4):1191-8. doi:10.1182/blood.V92.4.1191",
        "https://doi.org/10.1182/blood.V92.4.1191",
        "A",
        "1.3",
    ),
    "who-hb-2011": (
        "WHO. Haemoglobin concentrations for the diagnosis of anaemia and assessment of severity. Vitamin and "
        "Mineral Nutrition Information System, WHO/NMH/NHD/MNM/11.1, Geneva 2011",
        "https://www.who.int/",
        "A",
        "6.1",
    ),
    "healthjade-mcv": (
        "Health Jade: macrocytic anemia, MCV normal range 80-100 fL (secondary summary; locator only)",
        "https://healthjade.com/macrocytic-anemia",
        "C",
        "6.1",
    ),
    "ggc-hypokalaemia": (
        "NHS Greater Glasgow and Clyde Therapeutics Handbook: management of hypokalaemia",
        "https://handbook.ggcmedicines.org.uk/guidelines/electrolyte-disturbances/management-of-hypokalaemia-plasma-k-3-5mmol-l",
        "B",
        "4.1, 4.2, 4.7",
    ),
    "inker-2021": (
        "Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C-based equations "
        "to estimate GFR without race. N Engl J Med 2021;385(19):1737-49. "
        "doi 10.1056/NEJMoa2102953",
        "https://doi.org/10.1056/NEJMoa2102953",
        "A",
        "not in the clinical basis (issue 15 item 13)",
    ),
    "aa-hypokalaemia": (
        "NHS Ayrshire & Arran medicines guidelines: management of hypokalaemia",
        "https://aaamedicines.org.uk/guidelines/electrolyte-disturbances/management-of-hypokalaemia-plasma-k-3-5mmol-l",
        "B",
        "4.2, 4.6",
    ),
    "highland-hypokalaemia": (
        "NHS Highland TAM (Right Decisions): hypokalaemia guidelines",
        "https://rightdecisions.scot.nhs.uk/tam-treatments-and-medicines-nhs-highland/therapeutic-guidelines/fluid-and-electrolytes/treatment-of-low-electrolytes/hypokalaemia-guidelines/",
        "B",
        "4.1, 4.4, 4.5, 4.7, 4.8",
    ),
    "sps-iv-kcl": (
        "Specialist Pharmacy Service (NHS): how should intravenous potassium chloride be administered in adults",
        "https://www.sps.nhs.uk/articles/how-should-intravenous-iv-potassium-chloride-be-administered-in-adults/",
        "B",
        "4.4",
    ),
    "leeds-iv-k": (
        "University of Leeds teaching resource (citing UCLH 2010): intravenous potassium",
        "https://resources.time.leeds.ac.uk/pills/prfm_09.html",
        "B",
        "4.4",
    ),
    "nsw-aci": (
        "NSW Agency for Clinical Innovation, Emergency Care Institute: hypokalaemia",
        "https://aci.health.nsw.gov.au/networks/eci/clinical/clinical-tools/electrolytes/potassium-hypokalaemia",
        "B",
        "4.1, 4.4, 7",
    ),
    "borders": (
        "NHS Borders clinical guidelines (Right Decisions): treatment of electrolyte deficiency",
        "https://rightdecisions.scot.nhs.uk/nhs-borders-clinical-guidelines/drugs-and-therapeutics/treatment-of-electrolyte-deficiency",
        "B",
        "4.4",
    ),
    "lothian-formulary": (
        "NHS Lothian joint adult formulary (Right Decisions): oral potassium",
        "https://rightdecisions.scot.nhs.uk/nhsl-medicines-guidance/joint-adult-formulary/chapter-9-nutrition-and-blood/fluids-and-electrolytes/oral-potassium",
        "B",
        "4.2, 4.7",
    ),
    "mindthebleep": (
        "Mind the Bleep (junior doctor blog): hypokalaemia (locator only)",
        "https://www.mindthebleep.com/2019/11/hypokalaemia.html",
        "C",
        "4.2",
    ),
    "sandok-manufacturer": (
        "Alturix (manufacturer): Sando-K product page (locator only)",
        "https://alturix.com/alturix-products/sando-k/",
        "C",
        "4.2",
    ),
    "pharmacy-times-tmp": (
        "Pharmacy Times (trade magazine), February 2011: trimethoprim and potassium",
        "https://www.pharmacytimes.com/view/druginteractions-0211",
        "C",
        "4.8",
    ),
    "a4medicine": (
        "a4medicine: hypokalaemia in adults, treatment (locator only)",
        "https://a4medicine.co.uk/hypokalaemia-adults-treatment/",
        "C",
        "4.8",
    ),
    "medscape-uk-kcl": (
        "Medscape UK drug monograph: potassium chloride (oral), derived from the UK SmPC (locator only)",
        "https://www.medscape.co.uk/drug/potassium-chloride-oral-69462-69462",
        "C",
        "4.6",
    ),
    "digoxin-label": (
        "US digoxin label (FDA), DailyMed set id f3d29508-e7cc-47ff-845d-b5375ee30407, version 6 (2023-12-29)",
        DAILYMED + "drugInfo.cfm?setid=f3d29508-e7cc-47ff-845d-b5375ee30407",
        "A",
        "4.8",
    ),
    "goyal-2012": (
        "Goyal A, Spertus JA, Gosch K, et al. Serum potassium levels and mortality in acute myocardial "
        "infarction. JAMA 2012;307(2):157-64. doi:10.1001/jama.2011.1967",
        "https://doi.org/10.1001/jama.2011.1967",
        "A",
        "4.8",
    ),
    "paice-1986": (
        "Paice BJ et al. Record linkage study of hypokalaemia in hospitalized patients. Postgrad Med J "
        "1986;62(725):187-91. doi:10.1136/pgmj.62.725.187",
        "https://doi.org/10.1136/pgmj.62.725.187",
        "A",
        "2.3",
    ),
    "harrison-18": (
        "Harrison's Principles of Internal Medicine, 18th ed. (McGraw-Hill 2012), Table 44-4; read only as "
        "quoted on a secondary page",
        "",
        "C",
        "2.1, 7",
    ),
    "huang-kuo-2007": (
        "Huang CL, Kuo E. Mechanism of hypokalemia in magnesium deficiency. J Am Soc Nephrol "
        "2007;18(10):2649-52. doi:10.1681/ASN.2007070792, PMID 17804670",
        "https://doi.org/10.1681/ASN.2007070792",
        "A",
        "5.1",
    ),
    "sps-hypomagnesaemia": (
        "Specialist Pharmacy Service (NHS): hypomagnesaemia (newer page)",
        "https://www.sps.nhs.uk/?p=104376",
        "B",
        "5.1",
    ),
    "sps-hypomagnesaemia-old": (
        "Specialist Pharmacy Service (NHS): how is acute hypomagnesaemia treated in adults (older page)",
        "https://www.sps.nhs.uk/articles/how-is-acute-hypomagnesaemia-treated-in-adults/",
        "B",
        "5.1",
    ),
    "highland-hypomagnesaemia": (
        "NHS Highland TAM (Right Decisions): hypomagnesaemia guidelines",
        "https://rightdecisions.scot.nhs.uk/tam-treatments-and-medicines-nhs-highland/adult-therapeutic-guidelines/fluid-and-electrolytes/treatment-of-low-electrolytes/hypomagnesaemia-guidelines",
        "B",
        "5.1",
    ),
    "etg-hypomagnesaemia": (
        "Therapeutic Guidelines (eTG complete), Therapeutic Guidelines Limited, Melbourne: "
        "hypomagnesaemia (read on a mirror copy)",
        "https://www.tg.org.au/",
        "B",
        "5.1",
    ),
    "ggc-hypophosphataemia": (
        "NHS Greater Glasgow and Clyde Therapeutics Handbook: management of hypophosphataemia",
        "https://handbook.ggcmedicines.org.uk/guidelines/electrolyte-disturbances/management-of-hypophosphataemia/",
        "B",
        "5.2",
    ),
    "aa-hypophosphataemia": (
        "NHS Ayrshire & Arran medicines guidelines: management of hypophosphataemia",
        "https://aaamedicines.org.uk/guidelines/electrolyte-disturbances/management-of-hypophosphataemia/",
        "B",
        "5.2",
    ),
    "hoffbrand": (
        "Hoffbrand AV, Moss PAH. Essential Haematology (Wiley), ch. 5, p. 70 (edition not identified: read on a "
        "document-sharing copy)",
        "",
        "B",
        "2.5, 3.3",
    ),
    "bennett-brown": (
        "Bennett PN, Brown MJ. Clinical Pharmacology, 9th ed. (Churchill Livingstone 2003), ch. 29 "
        "(attribution inferred from a copy, not confirmed)",
        "",
        "B",
        "2.1, 2.2, 2.5",
    ),
    "highland-formulary-b12": (
        "NHS Highland formulary: drugs used in megaloblastic anaemias",
        "https://tam.nhsh.scot/formularies/highland-formulary/nutrition-and-blood/anaemias-and-some-other-blood-disorders/drugs-used-in-megaloblastic-anaemias/",
        "B",
        "1.1, 3.2",
    ),
    "merck-conversions": (
        "MSD Manual Professional Version (Merck Manual): ready reference guides, conversions (a manual)",
        "http://www.merckmanuals.com/professional/appendixes/ready_reference_guides/ready_reference_guides.html",
        "B",
        "6.2",
    ),
    "iupac-2021": (
        "Prohaska T et al. Standard atomic weights of the elements 2021 (IUPAC Technical Report). Pure Appl "
        "Chem 2022;94(5):573-600. doi:10.1515/pac-2019-0603",
        "https://doi.org/10.1515/pac-2019-0603",
        "A",
        "6.2",
    ),
    "bipm-si": (
        "BIPM. The International System of Units (SI Brochure), 9th ed. 2019, Table 7 (SI prefixes: deci = 10^-1)",
        "https://www.bipm.org/en/publications/si-brochure",
        "A",
        "6.2",
    ),
    "queensland-k": (
        "Queensland Health dietitians: potassium points consensus, April 2012 (read on a document-sharing copy)",
        "https://www.health.qld.gov.au/",
        "B",
        "8",
    ),
    "mayo-k-foods": (
        "Mayo Clinic (Micromedex): potassium supplement, oral and parenteral route, food table",
        "http://www.mayoclinic.org/drugs-supplements/potassium-supplement-oral-route-parenteral-route/before-using/drg-20070753",
        "B",
        "8",
    ),
    "us-kcl-oral-label": (
        "US FDA label, potassium chloride oral solution, on DailyMed; set id unknown (the clinical basis "
        "gives none: read only as quoted on a secondary page), so the address is a DailyMed search",
        DAILYMED + "search.cfm?query=potassium+chloride+oral+solution",
        "C",
        "4.3",
    ),
    "us-kcl-er-label": (
        "US FDA label, potassium chloride extended-release tablets, on DailyMed; set id unknown (the "
        "clinical basis gives none: read only as quoted on secondary pages), so the address is a "
        "DailyMed search",
        DAILYMED + "search.cfm?query=potassium+chloride+extended-release+tablets",
        "C",
        "4.3",
    ),
    "us-kcl-iv-label": (
        "US FDA label, potassium chloride injection, on DailyMed; set id unknown (the clinical basis "
        "gives none: read only as quoted on a secondary page), so the address is a DailyMed search",
        DAILYMED + "search.cfm?query=potassium+chloride+injection",
        "C",
        "4.4",
    ),
    "us-formulary": (
        "Local policy: US formulary products. Strengths as printed on the products' FDA labels (DailyMed) as "
        "known to the B12-K Planner authors, NOT verified against a label in the project's clinical basis; "
        "the site checks each against the label of the product it stocks",
        DAILYMED,
        None,
        "5.1, 5.2, 11",
    ),
    "wikipedia-k": (
        "Wikipedia: Hypokalemia (locator only)",
        "https://en.wikipedia.org/wiki/Hypokalemia",
        "C",
        "4.1, 6.1",
    ),
    "sa-stg": (
        "National Department of Health, South Africa: Standard Treatment Guidelines and Essential Medicines List, "
        "Hospital Level, Adults: megaloblastic anaemia (read on a copy; edition not identified)",
        "https://www.health.gov.za/",
        "B",
        "1.2, 2.5, 3.2",
    ),
    "uhnm-folate": (
        "University Hospitals of North Midlands NHS Trust: folate deficiency guideline (read on a development "
        "copy; the trust's published version was not located)",
        "https://www.uhnm.nhs.uk/",
        "B",
        "3.1",
    ),
    "rcem": (
        "Royal College of Emergency Medicine, RCEMLearning: hypokalaemia ECGs",
        "https://www.rcemlearning.co.uk/modules/disorders-of-potassium-balance/lessons/hypokalaemia/topic/ecgs-2/",
        "B",
        "7",
    ),
    "pfeiffer-2016": (
        "Pfeiffer CM et al. Am J Clin Nutr 2016: folate status indicators and cut-offs. PMCID PMC5693380",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5693380",
        "A",
        "3.1",
    ),
    "safety-req": (
        "B12-K Planner safety requirements (CLN-01, VER-03)",
        "",
        None,
        "safety-requirements.md",
    ),
}


def refs():
    out = {}
    for key, (title, url, grade, sect) in REFS.items():
        out[key] = {"title": title, "url": url, "grade": grade, "basis_section": sect}
    return out


def analytes(k_conv_unit):
    def spec(key, label, canon, conv_unit, convs, decimals, lo, hi, note=""):
        rid = key.upper()  # the analyte's own key, never a truncated label (issue 15, item 9)
        return {
            "label": label,
            "canonical_unit": canon,
            "conventional_unit": conv_unit,
            "conversions": [{"unit": u, "to_canonical": f} for u, f in convs],
            "decimals": decimals,
            "plausible_low": N(
                f"PLAUS-{rid}-LOW",
                lo,
                canon,
                "local",
                local=True,
                note="Plausibility bound to catch unit slips and typos; not a clinical threshold.",
            ),
            "plausible_high": N(
                f"PLAUS-{rid}-HIGH",
                hi,
                canon,
                "local",
                local=True,
                note="Plausibility bound to catch unit slips and typos; not a clinical threshold.",
            ),
        }

    return {
        "potassium": spec(
            "potassium",
            "Potassium",
            "mmol/L",
            k_conv_unit,
            [
                (
                    "mEq/L",
                    N(
                        "UNIT-K-MEQ",
                        1,
                        "mmol/L per mEq/L",
                        "merck-conversions",
                        "A",
                        note="Monovalent ion: 1 mmol = 1 mEq.",
                    ),
                )
            ],
            1,
            1.0,
            10.0,
        ),
        "magnesium": spec(
            "magnesium",
            "Magnesium",
            "mmol/L",
            "mg/dL",
            [
                (
                    "mg/dL",
                    N(
                        "UNIT-MG-MGDL",
                        0.4114,
                        "mmol/L per mg/dL",
                        "iupac-2021",
                        "A",
                        note="[derived] 10 / 24.305 (standard atomic weight of Mg) = 0.41144. Agrees with the quoted 0.4114.",
                    ),
                ),
                (
                    "mEq/L",
                    N(
                        "UNIT-MG-MEQ",
                        0.5,
                        "mmol/L per mEq/L",
                        "merck-conversions",
                        "A",
                        note="Divalent ion: 1 mmol = 2 mEq.",
                    ),
                ),
            ],
            2,
            0.1,
            5.0,
        ),
        "phosphate": spec(
            "phosphate",
            "Phosphate",
            "mmol/L",
            "mg/dL",
            [
                (
                    "mg/dL",
                    N(
                        "UNIT-PO4-MGDL",
                        0.3229,
                        "mmol/L per mg/dL",
                        "iupac-2021",
                        "A",
                        note="Phosphate as phosphorus: [derived] 10 / 30.974 (standard atomic weight of P) = 0.32285.",
                    ),
                )
            ],
            2,
            0.1,
            5.0,
        ),
        "haemoglobin": spec(
            "haemoglobin",
            "Haemoglobin",
            "g/L",
            "g/dL",
            [
                (
                    "g/dL",
                    N(
                        "UNIT-HB-GDL",
                        10,
                        "g/L per g/dL",
                        "bipm-si",
                        "A",
                        note="[derived] 1 dL = 0.1 L, so 1 g/dL = 10 g/L.",
                    ),
                )
            ],
            0,
            20,
            250,
        ),
        "mcv": spec("mcv", "MCV", "fL", "fL", [], 0, 50, 150),
        "b12": spec(
            "b12",
            "Vitamin B12",
            "pmol/L",
            "ng/L",
            [
                (
                    "ng/L",
                    N(
                        "UNIT-B12-NGL",
                        0.7378,
                        "pmol/L per ng/L",
                        "iupac-2021",
                        "A",
                        note="[derived] 1000 / 1355.39 (molar mass of cyanocobalamin, C63H88CoN14O14P, from the standard atomic weights) = 0.73780. Consistent with Stabler NEJM 2013: 205 pg/mL = 151.2 pmol/L.",
                    ),
                ),
                (
                    "pg/mL",
                    N(
                        "UNIT-B12-PGML",
                        0.7378,
                        "pmol/L per pg/mL",
                        "iupac-2021",
                        "A",
                        note="pg/mL = ng/L; [derived] as UNIT-B12-NGL.",
                    ),
                ),
            ],
            0,
            10,
            10000,
        ),
        "folate": spec(
            "folate",
            "Folate",
            "nmol/L",
            "ng/mL",
            [
                (
                    "ng/mL",
                    N(
                        "UNIT-FOL-NGML",
                        2.2655,
                        "nmol/L per ng/mL",
                        "iupac-2021",
                        "A",
                        note="[derived] 1000 / 441.40 (molar mass of folic acid, C19H19N7O6, from the standard atomic weights) = 2.2655. Was 2.266 (a converter page, grade C).",
                    ),
                ),
                (
                    "micrograms/L",
                    N(
                        "UNIT-FOL-MCGL",
                        2.2655,
                        "nmol/L per microgram/L",
                        "iupac-2021",
                        "A",
                        note="micrograms/L = ng/mL; [derived] as UNIT-FOL-NGML.",
                    ),
                ),
            ],
            1,
            0.5,
            200,
        ),
        "mma": spec("mma", "Methylmalonic acid", "nmol/L", "nmol/L", [], 0, 10, 100000),
        "homocysteine": spec(
            "homocysteine", "Homocysteine", "micromol/L", "micromol/L", [], 1, 1, 500
        ),
        "creatinine": spec(
            "creatinine",
            "Creatinine",
            "micromol/L",
            "mg/dL",
            [
                (
                    "mg/dL",
                    N(
                        "UNIT-CREAT-MGDL",
                        88.4,
                        "micromol/L per mg/dL",
                        "iupac-2021",
                        "A",
                        note="[derived] 10000 / 113.12 (molar mass of creatinine, C4H7N3O, from the standard atomic weights) = 88.40; the AMA-style SI table gives 88.4.",
                    ),
                )
            ],
            0,
            10,
            3000,
        ),
        "egfr": spec("egfr", "eGFR", "mL/min/1.73 m2", "mL/min/1.73 m2", [], 0, 1, 200),
        "reticulocytes": spec("reticulocytes", "Reticulocytes", "%", "%", [], 1, 0, 60),
        "platelets": spec("platelets", "Platelets", "x 10^9/L", "x 10^9/L", [], 0, 1, 2000),
    }


# Issue 15 item 13: the 2021 CKD-EPI creatinine equation (race-free), constants as published by
# Inker et al., N Engl J Med 2021 (doi 10.1056/NEJMoa2102953). Not in the clinical basis: taken
# from the paper. eGFR = 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age x 1.012
# [female]; Scr in mg/dL; k 0.7 (female) or 0.9 (male); a -0.241 (female) or -0.302 (male).
def _ckd(id, value, unit, note=""):
    return N(id, value, unit, "inker-2021", "A", note=note)


CKD_EPI_2021 = {
    "name": "race-free CKD-EPI creatinine equation (Inker et al.)",
    "constant": _ckd("EGFR-CKDEPI-142", 142, "mL/min/1.73 m2"),
    "kappa_female": _ckd("EGFR-CKDEPI-KAPPA-F", 0.7, "mg/dL"),
    "kappa_male": _ckd("EGFR-CKDEPI-KAPPA-M", 0.9, "mg/dL"),
    "alpha_female": _ckd("EGFR-CKDEPI-ALPHA-F", -0.241, "exponent"),
    "alpha_male": _ckd("EGFR-CKDEPI-ALPHA-M", -0.302, "exponent"),
    "exponent_above": _ckd("EGFR-CKDEPI-EXP-HIGH", -1.2, "exponent"),
    "age_factor": _ckd("EGFR-CKDEPI-AGE", 0.9938, "per year of age"),
    "female_factor": _ckd("EGFR-CKDEPI-FEMALE", 1.012, "factor"),
}


def band(
    id,
    label,
    lower,
    action,
    severity,
    instruction,
    source,
    grade=None,
    local=False,
    oral=None,
    iv=None,
    recheck=None,
    ecg=False,
    call=False,
    lower_inclusive=True,
):
    d = {
        "id": id,
        "label": label,
        "lower": lower,
        "lower_inclusive": lower_inclusive,
        "action": action,
        "severity": severity,
        "instruction": instruction,
        "oral": oral,
        "iv": iv,
        "recheck_hours": recheck,
        "ecg": ecg,
        "call_doctor": call,
        "source": source,
        "grade": grade,
        "local_policy": local,
    }
    return d


def common_sections(ku):
    """Sections shared by both profiles (anaemia, Mg, phosphate, risk, monitoring)."""
    kunit = ku
    anaemia = {
        "adult_from_age": N(
            "HB-WHO-AGE", 15, "years", "who-hb-2011", "A", note="WHO bands apply from 15 years."
        ),
        "severe_below": N(
            "HB-SEVERE-BELOW",
            80,
            "g/L",
            "who-hb-2011",
            "A",
            note="WHO: severe < 8 g/dL (both sexes).",
        ),
        "moderate_below": N(
            "HB-MODERATE-BELOW", 110, "g/L", "who-hb-2011", "A", note="WHO: moderate 8-10.9 g/dL."
        ),
        "mild_below_female": N(
            "HB-MILD-BELOW-F",
            120,
            "g/L",
            "who-hb-2011",
            "A",
            note="WHO non-pregnant women: mild 11-11.9 g/dL.",
        ),
        "mild_below_male": N(
            "HB-MILD-BELOW-M", 130, "g/L", "who-hb-2011", "A", note="WHO men: mild 11-12.9 g/dL."
        ),
        "mcv_normal_low": N(
            "MCV-NORMAL-LOW",
            80,
            "fL",
            "healthjade-mcv",
            "C",
            local=True,
            note="Chanarin (J Clin Pathol 1987) reports ranges from 76 to 108 fL; not cited: its volume, pages and DOI were not identified.",
        ),
        "mcv_normal_high": N(
            "MCV-NORMAL-HIGH",
            100,
            "fL",
            "healthjade-mcv",
            "C",
            local=True,
            note="Laboratory ranges vary; the site sets its own.",
        ),
        # Issue 15 item 15: no source in the clinical basis gives a platelet count below which
        # intramuscular injection should be avoided, so the shipped protocols leave it unset.
        "platelets_im_below": {
            "id": "PLT-IM-BELOW",
            "value": None,
            "unit": "x 10^9/L",
            "source": "local",
            "grade": None,
            "local_policy": True,
            "note": "No source gives a platelet threshold for intramuscular injection: the site sets its own, or leaves it unset.",
        },
    }
    b12 = {
        "deficient_below": N(
            "B12-DEFICIENT-BELOW",
            133,
            "pmol/L",
            "nice-ng239-thresholds",
            "C",
            local=True,
            note="NICE NG239 < 180 ng/L (133 pmol/L). Thresholds are assay-dependent: the site must set its laboratory's values.",
            alts=[
                (148, "BSH 2014: 148 pmol/L (200 ng/L)", "bsh-2014"),
                (107, "RUH Bath local method: < 145 ng/L", "ruh-bath-b12"),
            ],
        ),
        "indeterminate_below": N(
            "B12-INDETERMINATE-BELOW",
            258,
            "pmol/L",
            "nice-ng239-thresholds",
            "C",
            local=True,
            note="NICE NG239 180-350 ng/L (133-258 pmol/L) indeterminate.",
            alts=[(133, "RUH Bath local method: 145-180 ng/L possible deficiency", "ruh-bath-b12")],
        ),
        "folate_low_below": N(
            "FOLATE-LOW-BELOW",
            7,
            "nmol/L",
            "pfeiffer-2016",
            "A",
            note="Serum folate below 7 nmol/L: risk of deficiency (megaloblastic anaemia indicator, microbiologic assay). BSH cut-off not found.",
            alts=[(6.8, "UHNM: below 3 micrograms/L (about 6.8 nmol/L [derived])", "uhnm-folate")],
        ),
    }
    magnesium = {
        "normal_low": N(
            "MG-NORMAL-LOW",
            0.7,
            "mmol/L",
            "sps-hypomagnesaemia",
            "B",
            alts=[(0.8, "eTG normal 0.8-1.0 mmol/L", "etg-hypomagnesaemia")],
        ),
        "normal_high": N("MG-NORMAL-HIGH", 1.0, "mmol/L", "highland-hypomagnesaemia", "B"),
        "oral_max_per_day": N(
            "MG-ORAL-MAX-DAY",
            24,
            "mmol",
            "sps-hypomagnesaemia",
            "B",
            note="'total daily oral dose of 10 to 24mmol of magnesium in divided doses'.",
        ),
        "products": [
            {
                "id": "MG-ORAL-ASPARTATE",
                "name": "magnesium aspartate oral powder sachet (Magnaspartate)",
                "form": "sachet",
                "form_plural": "sachets",
                "magnesium_per_unit": N(
                    "MG-ASPARTATE-MMOL", 10, "mmol", "highland-hypomagnesaemia", "B"
                ),
                "administration": "dissolve in water",
            }
        ],
        "iv_products": [
            {
                "id": "MG-IV-SULFATE-20",
                "name": "magnesium sulfate 20 mmol in glucose 5% 250 mL",
                "amount": N("MG-IV-AMOUNT", 20, "mmol", "highland-hypomagnesaemia", "B"),
                "volume": N("MG-IV-VOLUME", 250, "mL", "highland-hypomagnesaemia", "B"),
                "diluent": "glucose 5%",
            }
        ],
        "bands": [
            band(
                "MG-BAND-SEVERE",
                "Severe: below 0.5 mmol/L",
                None,
                "iv",
                "severe",
                "Call the doctor now. Prescriber to confirm IV magnesium before it is started.",
                "highland-hypomagnesaemia",
                "B",
                iv={
                    "product": "MG-IV-SULFATE-20",
                    "max_rate": N(
                        "MG-IV-MAX-RATE",
                        6.67,
                        "mmol/hour",
                        "highland-hypomagnesaemia",
                        "B",
                        note="20 mmol over 3 hours [derived].",
                    ),
                    "min_duration_hours": N(
                        "MG-IV-DURATION", 3, "hours", "highland-hypomagnesaemia", "B"
                    ),
                    "doses": N("MG-IV-DOSES", 3, "doses", "highland-hypomagnesaemia", "B"),
                    "interval_hours": N(
                        "MG-IV-INTERVAL", 12, "hours", "highland-hypomagnesaemia", "B"
                    ),
                    "route": "intravenous infusion, peripheral line",
                    # Issue 15 item 2: Highland's restriction of this regimen, printed on every
                    # order of it; with cardiac disease the prescriber decides.
                    "restriction": T(
                        "MG-IV-RESTRICTION",
                        "Not for patients with heart block or existing myocardial damage "
                        "(NHS Highland, peripheral regimen).",
                        "highland-hypomagnesaemia",
                        "B",
                    ),
                    "prescriber_review_if": ["cardiac_disease"],
                },
                recheck=N(
                    "MG-RECHECK-SEVERE",
                    12,
                    "hours",
                    "local",
                    local=True,
                    note="Checked before each further dose of the 12-hourly course.",
                ),
                call=True,
            ),
            band(
                "MG-BAND-MILD",
                "Low: 0.5 to below 0.7 mmol/L",
                N("MG-MILD-LOW", 0.5, "mmol/L", "sps-hypomagnesaemia", "B"),
                "oral",
                "mild",
                "Give oral magnesium as ordered.",
                "highland-hypomagnesaemia",
                "B",
                oral={
                    "product": "MG-ORAL-ASPARTATE",
                    "units_per_dose": N(
                        "MG-ORAL-SACHETS", 1, "sachet", "highland-hypomagnesaemia", "B"
                    ),
                    "times_per_day": N(
                        "MG-ORAL-TIMES",
                        2,
                        "times daily",
                        "highland-hypomagnesaemia",
                        "B",
                        note="Highland: once or twice daily; twice chosen during B12 loading.",
                    ),
                    "review_after_hours": N(
                        "MG-ORAL-REVIEW",
                        48,
                        "hours",
                        "local",
                        local=True,
                        note="Printed as 48 hours after the first dose of the course. Highland's rule is 48 hours after magnesium returns to normal; implementing it needs the engine (not yet done).",
                        alts=[
                            (
                                48,
                                "NHS Highland: 'Continue treatment for 48 hours after magnesium levels return to normal'",
                                "highland-hypomagnesaemia",
                            )
                        ],
                    ),
                    "frequency_text": "twice daily",
                },
                recheck=N("MG-RECHECK-MILD", 24, "hours", "local", local=True),
            ),
            band(
                "MG-BAND-NORMAL",
                "0.7 mmol/L and above",
                N(
                    "MG-BAND-NORMAL-LOW",
                    0.7,
                    "mmol/L",
                    "sps-hypomagnesaemia",
                    "B",
                    alts=[
                        (
                            0.4,
                            "Older SPS/Leeds: replace at 0.4 mmol/L or less",
                            "sps-hypomagnesaemia-old",
                        )
                    ],
                ),
                "none",
                "normal",
                "No magnesium needed. Continue the schedule.",
                "sps-hypomagnesaemia",
                "B",
            ),
        ],
        "renal_note": T(
            "MG-RENAL",
            "eGFR below 30: halve the oral magnesium dose; IV magnesium at 50% of the dose over a longer time (prescriber).",
            "highland-hypomagnesaemia",
            "B",
        ),
    }
    phosphate = {
        "normal_low": N(
            "PO4-NORMAL-LOW",
            0.8,
            "mmol/L",
            "ggc-hypophosphataemia",
            "B",
            alts=[(0.7, "A&A reference 0.7-1.5 mmol/L", "aa-hypophosphataemia")],
        ),
        "normal_high": N("PO4-NORMAL-HIGH", 1.5, "mmol/L", "ggc-hypophosphataemia", "B"),
        "oral_max_per_day": N(
            "PO4-ORAL-MAX-DAY",
            96,
            "mmol",
            "ggc-hypophosphataemia",
            "B",
            note="2 tablets three times daily x 16 mmol [derived], the top of GGC's range.",
        ),
        "products": [
            {
                "id": "PO4-ORAL-SANDOZ",
                "name": "phosphate effervescent tablet (Phosphate Sandoz)",
                "form": "tablet",
                "form_plural": "tablets",
                "phosphate_per_unit": N("PO4-SANDOZ-PO4", 16, "mmol", "ggc-hypophosphataemia", "B"),
                "potassium_per_unit": N(
                    "PO4-SANDOZ-K",
                    3,
                    kunit,
                    "ggc-hypophosphataemia",
                    "B",
                    note="Each tablet also contains 20 mmol sodium.",
                ),
                "administration": "dissolve in water",
            }
        ],
        "iv_products": [
            {
                "id": "PO4-IV-GLYCEROPHOSPHATE",
                "name": "sodium glycerophosphate 20 mmol in glucose 5% 500 mL",
                "amount": N("PO4-IV-AMOUNT", 20, "mmol", "ggc-hypophosphataemia", "B"),
                "volume": N("PO4-IV-VOLUME", 500, "mL", "ggc-hypophosphataemia", "B"),
                "diluent": "glucose 5%",
            }
        ],
        "bands": [
            band(
                "PO4-BAND-SEVERE",
                "Severe: below 0.3 mmol/L",
                None,
                "iv",
                "severe",
                "Call the doctor now. Prescriber to confirm IV phosphate before it is started.",
                "ggc-hypophosphataemia",
                "B",
                iv={
                    "product": "PO4-IV-GLYCEROPHOSPHATE",
                    "max_rate": N(
                        "PO4-IV-MAX-RATE",
                        1.67,
                        "mmol/hour",
                        "ggc-hypophosphataemia",
                        "B",
                        note="20 mmol over 12 hours [derived].",
                    ),
                    "min_duration_hours": N(
                        "PO4-IV-DURATION", 12, "hours", "ggc-hypophosphataemia", "B"
                    ),
                    "doses": N(
                        "PO4-IV-DOSES",
                        2,
                        "doses",
                        "ggc-hypophosphataemia",
                        "B",
                        note="Normal renal function: 40 mmol as 2 x 12-hour infusions; impaired: 20 mmol.",
                    ),
                    "interval_hours": N(
                        "PO4-IV-INTERVAL", 12, "hours", "ggc-hypophosphataemia", "B"
                    ),
                    "route": "intravenous infusion, peripheral line",
                },
                recheck=N("PO4-RECHECK-SEVERE", 12, "hours", "local", local=True),
                call=True,
            ),
            band(
                "PO4-BAND-MODERATE",
                "Moderate: 0.3 to below 0.6 mmol/L",
                N("PO4-MODERATE-LOW", 0.3, "mmol/L", "ggc-hypophosphataemia", "B"),
                "oral",
                "moderate",
                "Give oral phosphate as ordered. It contains potassium: counted in the potassium total.",
                "ggc-hypophosphataemia",
                "B",
                oral={
                    "product": "PO4-ORAL-SANDOZ",
                    "units_per_dose": N(
                        "PO4-ORAL-TABLETS",
                        1,
                        "tablet",
                        "ggc-hypophosphataemia",
                        "B",
                        local=True,
                        note="GGC: 1-2 tablets three times daily; the lower end chosen because each tablet adds potassium and sodium.",
                    ),
                    "times_per_day": N(
                        "PO4-ORAL-TIMES", 3, "times daily", "ggc-hypophosphataemia", "B"
                    ),
                    "review_after_hours": N("PO4-ORAL-REVIEW", 48, "hours", "local", local=True),
                    "frequency_text": "three times daily",
                },
                recheck=N("PO4-RECHECK-MODERATE", 24, "hours", "local", local=True),
            ),
            band(
                "PO4-BAND-MILD",
                "Mild: 0.6 to below 0.8 mmol/L",
                N("PO4-MILD-LOW", 0.6, "mmol/L", "ggc-hypophosphataemia", "B"),
                "none",
                "mild",
                "No phosphate treatment needed (mild). Continue the schedule.",
                "ggc-hypophosphataemia",
                "B",
            ),
            band(
                "PO4-BAND-NORMAL",
                "0.8 mmol/L and above",
                N(
                    "PO4-BAND-NORMAL-LOW",
                    0.8,
                    "mmol/L",
                    "ggc-hypophosphataemia",
                    "B",
                    alts=[
                        (0.7, "A&A: mild band 0.6-0.69 (normal from 0.7)", "aa-hypophosphataemia")
                    ],
                ),
                "none",
                "normal",
                "No phosphate needed. Continue the schedule.",
                "ggc-hypophosphataemia",
                "B",
            ),
        ],
        "renal_note": T(
            "PO4-RENAL",
            "Impaired renal function: IV phosphate 20 mmol over 12 hours only (prescriber).",
            "ggc-hypophosphataemia",
            "B",
        ),
    }
    risk = {
        "factors": [
            {
                "id": "RISK-SEVERE-PARENTERAL",
                "kind": "severe_anaemia_parenteral",
                "label": "Severe anaemia treated with parenteral B12 loading",
                "tier": "high",
                "source": "fda-cyano-label",
                "grade": "A",
                "local_policy": False,
            },
            {
                "id": "RISK-K-LOW",
                "kind": "baseline_k_low",
                "label": "Baseline potassium already below normal",
                "tier": "high",
                "source": "local",
                "grade": None,
                "local_policy": True,
            },
            {
                "id": "RISK-MODERATE-PARENTERAL",
                "kind": "moderate_anaemia_parenteral",
                "label": "Moderate anaemia treated with parenteral B12 loading",
                "tier": "raised",
                "source": "local",
                "grade": None,
                "local_policy": True,
            },
            {
                "id": "RISK-K-MISSING",
                "kind": "baseline_k_missing",
                "label": "No usable baseline potassium",
                "tier": "raised",
                "source": "local",
                "grade": None,
                "local_policy": True,
            },
            {
                "id": "RISK-MG-LOW",
                "kind": "baseline_mg_low",
                "label": "Baseline magnesium below normal (makes hypokalaemia refractory)",
                "tier": "raised",
                "source": "huang-kuo-2007",
                "grade": "A",
                "local_policy": False,
            },
            {
                "id": "RISK-K-LOWERING",
                "kind": "k_lowering_drug",
                "label": "Takes a potassium-lowering drug",
                "tier": "raised",
                "source": "paice-1986",
                "grade": "A",
                "local_policy": False,
            },
            {
                "id": "RISK-DIGOXIN",
                "kind": "digoxin",
                "label": "Takes digoxin (low K or Mg sensitises the heart)",
                "tier": "raised",
                "source": "digoxin-label",
                "grade": "A",
                "local_policy": False,
            },
            {
                "id": "RISK-CARDIAC",
                "kind": "cardiac_disease",
                "label": "Cardiac disease or arrhythmia",
                "tier": "raised",
                "source": "a4medicine",
                "grade": "C",
                "local_policy": True,
            },
            {
                "id": "RISK-NO-ORAL",
                "kind": "cannot_take_oral",
                "label": "Cannot take oral medicines (replacement would need IV)",
                "tier": "raised",
                "source": "highland-hypokalaemia",
                "grade": "B",
                "local_policy": True,
            },
        ],
        "raised_factors_for_high": N(
            "RISK-RAISED-COUNT-HIGH",
            2,
            "factors",
            "local",
            local=True,
            note="No source gives a risk score; two or more 'raised' factors together make the tier high.",
        ),
        "tier_labels": {"standard": "STANDARD RISK", "raised": "RAISED RISK", "high": "HIGH RISK"},
    }
    monitoring = {
        "label_window_hours": N(
            "MON-LABEL-WINDOW",
            48,
            "hours",
            "fda-cyano-label",
            "A",
            note="'serum potassium must be observed closely the first 48 hours'.",
            alts=[
                (None, "UK SmPC: 'during initial therapy' (no number)", "uk-smpc-hydroxo"),
                (
                    None,
                    "Bennett & Brown: 'at the height of the erythrocyte response' (reticulocytes peak at 5-7 days)",
                    "bennett-brown",
                ),
            ],
        ),
        "electrolyte_draws": {
            "high": L(
                "MON-K-HIGH",
                [6, 12, 24, 36, 48, 72, 96, 120, 144, 168],
                "hours after first dose",
                "local",
                local=True,
                note="Label window (48 h, A) sampled 6- to 12-hourly, then daily through the reticulocyte peak (days 3-8; label: reticulocytosis between the third and tenth day).",
            ),
            "raised": L(
                "MON-K-RAISED",
                [12, 24, 48, 72, 120, 168],
                "hours after first dose",
                "local",
                local=True,
                note="Label window covered 12- to 24-hourly, then around the reticulocyte peak.",
            ),
            "standard": L(
                "MON-K-STANDARD",
                [12, 24, 48, 120, 168],
                "hours after first dose",
                "local",
                local=True,
                note="Three draws inside the label window (48 h, A), then around the reticulocyte peak through day 8, as every tier (issue 15).",
            ),
        },
        "min_draws_in_label_window": N(
            "MON-MIN-DRAWS-48H",
            3,
            "draws",
            "local",
            local=True,
            note="Every tier draws potassium with magnesium and phosphate at least three times inside the label's 48 hours (review of issue 15); no source gives a number.",
        ),
        "other_draws": [
            {
                "id": "MON-FBC-RETIC",
                "tests": ["fbc", "reticulocytes"],
                "hours": L(
                    "MON-FBC-HOURS",
                    [96, 120, 144],
                    "hours after first dose",
                    "fda-cyano-label",
                    "A",
                    note="'Hematocrit and reticulocyte counts should be repeated daily from the fifth to seventh days'.",
                ),
                "purpose": "Check the response to B12 (reticulocytes should rise)",
            },
            {
                "id": "MON-PLATELETS",
                "tests": ["platelets"],
                "hours": L(
                    "MON-PLT-HOURS",
                    [336],
                    "hours after first dose",
                    "local",
                    local=True,
                    note="SmPC: platelets monitored during the first weeks (reactive thrombocytosis); no day given.",
                ),
                "purpose": "Reactive thrombocytosis in the first weeks",
            },
            {
                "id": "MON-PARENTERAL-DAY10",
                "tests": ["potassium", "magnesium", "phosphate"],
                "hours": L(
                    "MON-PARENTERAL-HOURS",
                    [216],
                    "hours after first dose",
                    "local",
                    local=True,
                    note=(
                        "Parenteral loading continues to day 11 or 12, and the US hydroxocobalamin label puts "
                        "reticulocytosis 'between the third and tenth day': one more draw on day 10 (issue 15)."
                    ),
                ),
                "purpose": "Potassium with magnesium and phosphate on day 10 of parenteral loading",
                "parenteral_loading_only": True,
            },
        ],
        "stale_after_hours": N(
            "LAB-STALE-HOURS",
            24,
            "hours",
            "safety-req",
            None,
            local=True,
            note="VER-03 example; no clinical source gives a number.",
        ),
        "baseline_text": T(
            "MON-BASELINE",
            "Take potassium, magnesium and phosphate before the first B12 dose.",
            "fda-cyano-label",
            "A",
        ),
        # Issue 15 item 12: who arranges and reviews a draw after discharge (local policy).
        "outpatient_text": T(
            "MON-OUTPATIENT",
            "OUTPATIENT draw (after the planned discharge): book it before discharge; the results "
            "are reviewed by the prescriber named on this plan, or by the clinician named in the "
            "discharge letter.",
            "local",
            None,
            True,
        ),
        # Issue 17 item 7: the schedule's progress (which draw a follow-up result counts for, and
        # when a draw without one is overdue). No source gives either: local policy, each under
        # a hard limit (LIM-MON-RESULT-MATCH, LIM-MON-OVERDUE: more than 0 and at most 6 hours).
        "result_match_hours": N(
            "MON-RESULT-MATCH-HOURS",
            3,
            "hours",
            "local",
            local=True,
            note="A follow-up result counts for the scheduled draw nearest its sample time if it "
            "was sampled at most 3 hours before or after that draw; otherwise it is listed as not "
            "matched to a scheduled draw. No source gives a number: ward rounds take a timed "
            "sample within a few hours of its time, and 3 hours is half the closest spacing of "
            "two draws (6 hours), so no result counts for two draws.",
        ),
        "overdue_after_hours": N(
            "MON-OVERDUE-HOURS",
            2,
            "hours",
            "local",
            local=True,
            note="A draw with no result 2 hours after its time is shown OVERDUE on screen. No "
            "source gives a number; chosen shorter than the matching window so that a late draw "
            "is flagged while a result taken now would still count for it.",
        ),
    }
    return anaemia, b12, magnesium, phosphate, risk, monitoring


def common_text(ku):
    hold = [
        T(
            "HOLD-K-SPARING",
            "Do not give potassium supplements with a potassium-sparing diuretic.",
            "lothian-formulary",
            "B",
        ),
        T(
            "HOLD-CONCENTRATE",
            "Never use concentrated potassium chloride ampoules on the ward: premixed infusion bags only.",
            "sps-iv-kcl",
            "B",
        ),
        T(
            "HOLD-PUMP",
            "Give every IV potassium infusion by volumetric infusion pump.",
            "sps-iv-kcl",
            "B",
        ),
        T(
            "HOLD-REFRACTORY",
            "If potassium does not rise despite replacement, check magnesium and tell the prescriber: low magnesium makes low potassium refractory.",
            "huang-kuo-2007",
            "A",
        ),
        T(
            "HOLD-PO4-K",
            "Phosphate Sandoz contains potassium: it is counted in the total daily potassium.",
            "ggc-hypophosphataemia",
            "B",
        ),
    ]
    esc = [
        T("ESC-WEAKNESS", "New muscle weakness, cramps, paralysis or tetany.", "nsw-aci", "B"),
        T(
            "ESC-PALPITATIONS",
            "Palpitations, an irregular pulse or any new arrhythmia.",
            "nsw-aci",
            "B",
        ),
        T(
            "ESC-ECG",
            "ECG changes: flat or inverted T waves, ST depression, prominent U waves or a long QT (QU) interval.",
            "nsw-aci",
            "B",
        ),
        T(
            "ESC-BREATHING",
            "Shallow breathing or breathlessness (respiratory muscle weakness).",
            "harrison-18",
            "C",
            True,
        ),
        T(
            "ESC-MG",
            "Tingling, twitching or carpopedal spasm (possible low magnesium).",
            "highland-hypomagnesaemia",
            "B",
        ),
    ]
    warnings = {
        "no_baseline_k": T(
            "WARN-NO-BASELINE-K",
            "No baseline potassium before the first dose: take potassium, magnesium and phosphate before giving B12.",
            "fda-cyano-label",
            "A",
        ),
        "stale": T(
            "WARN-STALE",
            "Result is older than the protocol allows for planning: take a new sample.",
            "safety-req",
            None,
            True,
        ),
        # Issue 15 item 11: a first dose before the monitoring window. Local policy: the
        # window is the protocol's own (its last potassium draw); the causes are Paice 1986
        # (diuretics, steroids, insulin), NHS Highland (GI losses) and Huang & Kuo (magnesium).
        # Pseudohypokalaemia is named at the review's request; the clinical basis has no source.
        "past_window": T(
            "WARN-PAST-WINDOW",
            "The first B12 dose lies before this plan's monitoring window: a low or falling "
            "potassium now is not the initiation hazard of B12 therapy, and B12 alone gives no "
            "risk tier. Consider the other causes: drugs (such as diuretics, steroids and "
            "insulin), GI losses, low magnesium, and pseudohypokalaemia.",
            "paice-1986",
            "A",
            True,
        ),
        # Issue 15 item 16: an unrecorded drug list is not "none".
        "drugs_not_recorded": T(
            "WARN-DRUGS-NOT-RECORDED",
            "The drug list has not been recorded: potassium-lowering and potassium-raising drugs "
            "(which raise the risk tier or stop automatic dosing) may be missing from this plan. "
            "Review the medicines and record them, or record that there are none.",
            "safety-req",
            None,
            True,
        ),
        # Issue 15 item 13: an eGFR computed from creatinine is shown as computed.
        "egfr_computed": T(
            "WARN-EGFR-COMPUTED",
            "No eGFR was recorded: it was computed from creatinine, age and sex with the race-free "
            "CKD-EPI creatinine equation (Inker et al.) and is used for the renal gates. Check it "
            "against the laboratory's eGFR when one is reported.",
            "inker-2021",
            "A",
        ),
        # Issue 15 item 14: a preliminary or refused result newer than the one used.
        "newer_not_used": T(
            "WARN-NEWER-NOT-USED",
            "A result that was not used may show a change: repeat to confirm before the first "
            "dose (or before acting on the result used).",
            "safety-req",
            None,
            True,
        ),
        "after_first_dose": T(
            "WARN-BASELINE-AFTER-DOSE",
            "Baseline sample was taken after the first B12 dose: it is not a baseline.",
            "fda-cyano-label",
            "A",
        ),
        "folate_alone": T(
            "WARN-FOLATE-ALONE",
            "Never give folic acid alone when B12 deficiency is possible: it can precipitate subacute combined degeneration of the spinal cord. Give B12 first or together.",
            "highland-formulary-b12",
            "B",
        ),
        "mma_advised": T(
            "WARN-B12-INDETERMINATE",
            "B12 result is indeterminate: consider methylmalonic acid (MMA) or homocysteine to confirm deficiency. Do not delay treatment if clinical features are strong.",
            "nice-ng239-thresholds",
            "C",
            True,
        ),
        "b12_missing": T(
            "WARN-B12-MISSING",
            "No B12 result recorded: confirm the diagnosis (B12 and folate) before or alongside treatment.",
            "nice-ng239",
            "A",
        ),
        "transfusion": T(
            "WARN-TRANSFUSION",
            "Severe anaemia: avoid transfusion if possible (risk of circulatory overload, especially in the elderly); if unavoidable, decide with a senior.",
            "hoffbrand",
            "B",
        ),
        # Issue 15 item 12: a discharge inside the label's 48 hours is said in those words.
        "discharge_48h": T(
            "WARN-DISCHARGE-48H",
            "Planned discharge falls inside the label's 48 hours: the labels say serum potassium "
            "must be observed closely during the first 48 hours. Discharge only if the prescriber "
            "decides the draws can be taken and reviewed as an outpatient.",
            "fda-cyano-label",
            "A",
        ),
        "discharge": T(
            "WARN-DISCHARGE",
            "Planned discharge falls inside the monitoring window: arrange the remaining blood tests and their review before discharge.",
            "local",
            None,
            True,
        ),
        "normocytic": T(
            "WARN-NORMOCYTIC",
            "MCV is not raised: B12 deficiency can still be present (for example with coexisting iron deficiency).",
            "healthjade-mcv",
            "C",
            True,
        ),
        "followup_iv": T(
            "WARN-FOLLOWUP-IV",
            "A result after the start is in the IV band: call the doctor now.",
            "ggc-hypokalaemia",
            "B",
        ),
        "cardiac_target": T(
            "WARN-CARDIAC-TARGET",
            "Cardiac disease or digoxin: potassium is below the cardiac target. Prescriber to decide on supplementation (target disputed).",
            "goyal-2012",
            "A",
            True,
        ),
        "digoxin": T(
            "WARN-DIGOXIN",
            "On digoxin: keep potassium and magnesium normal; low values raise the risk of digoxin toxicity.",
            "digoxin-label",
            "A",
        ),
        "oral_regimen": T(
            "WARN-ORAL-REGIMEN",
            "Oral B12: the label warnings concern intensive parenteral treatment of severe anaemia; monitoring still covers the label window.",
            "fda-cyano-label",
            "A",
            True,
        ),
        # Not GGC's "consider combination with a potassium-sparing diuretic": while potassium
        # tablets are ordered that contradicts HOLD-K-SPARING (issue 15, item 3).
        "diuretic": T(
            "WARN-LOOP-THIAZIDE",
            "Loop or thiazide diuretic: prescriber to review the diuretic. If a potassium-sparing diuretic is added, stop potassium supplements and recheck potassium.",
            "lothian-formulary",
            "B",
        ),
        "review_overdue": T(
            "WARN-REVIEW-OVERDUE",
            "This protocol is past its review date: its outputs are NOT FOR CLINICAL USE until the site reviews and re-approves it.",
            "safety-req",
            None,
            True,
        ),
        "folate_low": T(
            "WARN-FOLATE-LOW",
            "Folate is also low: treat B12 first or together with folic acid, never folic acid alone.",
            "sa-stg",
            "B",
        ),
        "platelets_im_low": T(
            "WARN-PLATELETS-IM",
            "Platelets are below the site's threshold for intramuscular injection: the prescriber reviews the route before the first dose.",
            "local",
            None,
            True,
        ),
        "platelets_im_unset": T(
            "WARN-PLATELETS-IM-UNSET",
            "This protocol sets no platelet threshold for intramuscular injection (local policy, not set by the site): the prescriber judges the route.",
            "local",
            None,
            True,
        ),
        "platelets_route_none": T(
            "WARN-PLATELETS-ROUTE-NONE",
            "This protocol names no other route for this regimen: the prescriber decides.",
            "local",
            None,
            True,
        ),
    }
    return hold, esc, warnings


def uk():
    ku = "mmol"
    anaemia, b12, magnesium, phosphate, risk, monitoring = common_sections(ku)
    hold, esc, warnings = common_text(ku)
    sandok = {
        "id": "K-ORAL-SANDOK",
        "name": "potassium chloride and potassium bicarbonate effervescent tablet (Sando-K)",
        "form": "tablet",
        "form_plural": "tablets",
        "potassium_per_unit": N(
            "K-SANDOK-MMOL",
            12,
            "mmol",
            "ggc-hypokalaemia",
            "B",
            note="Each tablet: 12 mmol potassium, 8 mmol chloride.",
        ),
        "administration": "dissolve in water",
    }
    premix = {
        "id": "K-IV-PREMIX-40",
        "name": "potassium chloride 40 mmol in sodium chloride 0.9% 1,000 mL (premixed bag)",
        "amount": N(
            "K-IV-PREMIX-AMOUNT",
            40,
            "mmol",
            "sps-iv-kcl",
            "B",
            local=True,
            note="Site formulary choice of a ready-to-use premixed bag at the peripheral maximum.",
        ),
        "volume": N("K-IV-PREMIX-VOLUME", 1000, "mL", "sps-iv-kcl", "B", local=True),
        "diluent": "sodium chloride 0.9%",
    }
    iv_k = {
        "product": "K-IV-PREMIX-40",
        "max_rate": N(
            "K-IV-MAX-RATE",
            10,
            "mmol/hour",
            "sps-iv-kcl",
            "B",
            note="'should not normally exceed 10mmol/hour'. Rates above need senior prescriber and ECG (Highland).",
            alts=[
                (20, "Leeds/UCLH: 20 mmol/hour with continuous ECG monitoring", "leeds-iv-k"),
                (40, "NSW ACI (ED): maximum 40 mmol per hour with cardiac monitoring", "nsw-aci"),
            ],
        ),
        "route": "intravenous infusion, peripheral line",
    }
    potassium = {
        "normal_low": N("K-NORMAL-LOW", 3.5, "mmol/L", "highland-hypokalaemia", "B"),
        "normal_high": N(
            "K-NORMAL-HIGH",
            5.3,
            "mmol/L",
            "highland-hypokalaemia",
            "B",
            alts=[(5.0, "US / Wikipedia normal upper limit 5.0", "wikipedia-k")],
        ),
        "hold_at_or_above": N(
            "K-HOLD",
            5.0,
            "mmol/L",
            "highland-hypokalaemia",
            "B",
            note="'Do not give potassium supplements if plasma K+ is greater than 5mmol/L'; applied at 5.0 and above as the safer reading.",
        ),
        "reassess_at_or_above": N(
            "K-REASSESS",
            4.5,
            "mmol/L",
            "ggc-hypokalaemia",
            "B",
            note="'if plasma K+ >4.5mmol/L, reassess requirement'.",
        ),
        "escalate_below": N(
            "K-ESCALATE",
            3.0,
            "mmol/L",
            "borders",
            "B",
            local=True,
            note="Borders: ECG necessary below 3.0 in acute hypokalaemia; the doctor is called for any result needing an ECG.",
            alts=[(2.5, "GGC: IV and ECG below 2.5 or with arrhythmia", "ggc-hypokalaemia")],
        ),
        "ecg_below": N("K-ECG-BELOW", 3.0, "mmol/L", "borders", "B"),
        "cardiac_target_low": N(
            "K-CARDIAC-TARGET",
            4.0,
            "mmol/L",
            "goyal-2012",
            "A",
            local=True,
            note="AMI guidelines 4.0-5.0 as quoted by Goyal; Goyal's own data favour 3.5-4.5. Digoxin label says only 'normal'.",
            alts=[(3.5, "Goyal 2012 cohort: lowest mortality 3.5 to below 4.5", "goyal-2012")],
        ),
        "iv_max_peripheral_concentration": N(
            "K-IV-MAX-CONC",
            40,
            "mmol/L",
            "sps-iv-kcl",
            "B",
            alts=[
                (
                    80,
                    "Leeds/UCLH: 80 mmol/L in fluid-restricted patients with a large cannula",
                    "leeds-iv-k",
                )
            ],
        ),
        "iv_ecg_monitoring_above_rate": N(
            "K-IV-ECG-RATE",
            20,
            "mmol/hour",
            "sps-iv-kcl",
            "B",
            alts=[(0, "NSW ACI: cardiac monitoring whilst infusing at any rate", "nsw-aci")],
        ),
        "iv_pump": "volumetric infusion pump",
        "oral_max_single_dose": N(
            "K-ORAL-MAX-DOSE",
            40,
            "mmol",
            "us-kcl-oral-label",
            "C",
            local=True,
            note="US KCl oral solution label as quoted: 'limit doses to 40 mEq per dose'. Limit for prescriber overrides.",
        ),
        "oral_max_per_day": N(
            "K-ORAL-MAX-DAY",
            200,
            "mmol",
            "us-kcl-oral-label",
            "C",
            local=True,
            note="US KCl oral label as quoted: 'should not exceed 200 mEq in a 24 hour period'. Limit for prescriber overrides.",
            alts=[
                (
                    192,
                    "Sando-K manufacturer: 8-16 tablets daily in less severe cases instead of IV (16 x 12 mmol [derived])",
                    "sandok-manufacturer",
                )
            ],
        ),
        "products": [sandok],
        "iv_products": [premix],
        "bands": [
            band(
                "K-BAND-SEVERE",
                "Severe: below 2.5 mmol/L",
                None,
                "iv",
                "severe",
                "Call the doctor now. 12-lead ECG now. IV potassium as below once the prescriber confirms.",
                "ggc-hypokalaemia",
                "B",
                iv=iv_k,
                recheck=N(
                    "K-RECHECK-SEVERE",
                    12,
                    "hours",
                    "highland-hypokalaemia",
                    "B",
                    note="'checked every 12 to 24 hours or more often as required'.",
                ),
                ecg=True,
                call=True,
            ),
            band(
                "K-BAND-MODERATE",
                "Moderate: 2.5 to below 3.0 mmol/L",
                N("K-MODERATE-LOW", 2.5, "mmol/L", "ggc-hypokalaemia", "B"),
                "oral",
                "moderate",
                "Call the doctor now. 12-lead ECG now. Give oral potassium as below.",
                "ggc-hypokalaemia",
                "B",
                oral={
                    "product": "K-ORAL-SANDOK",
                    "units_per_dose": N("K-MOD-TABLETS", 3, "tablets", "ggc-hypokalaemia", "B"),
                    "times_per_day": N("K-MOD-TIMES", 3, "times daily", "ggc-hypokalaemia", "B"),
                    "review_after_hours": N(
                        "K-MOD-REVIEW",
                        48,
                        "hours",
                        "mindthebleep",
                        "C",
                        local=True,
                        note="'Always put a stop date of 2-3 days'.",
                    ),
                    "frequency_text": "three times daily",
                },
                recheck=N(
                    "K-RECHECK-MODERATE",
                    24,
                    "hours",
                    "ggc-hypokalaemia",
                    "B",
                    note="'Monitor plasma K+ daily until plasma K+ >2.9mmol/L'.",
                ),
                ecg=True,
                call=True,
            ),
            band(
                "K-BAND-MILD",
                "Mild: 3.0 to below 3.5 mmol/L",
                N(
                    "K-MILD-LOW",
                    3.0,
                    "mmol/L",
                    "ggc-hypokalaemia",
                    "B",
                    alts=[(3.0, "NSW ACI moderate band 2.5-3.0 (edge differs)", "nsw-aci")],
                ),
                "oral",
                "mild",
                "Give oral potassium as below.",
                "ggc-hypokalaemia",
                "B",
                oral={
                    "product": "K-ORAL-SANDOK",
                    "units_per_dose": N("K-MILD-TABLETS", 2, "tablets", "ggc-hypokalaemia", "B"),
                    "times_per_day": N("K-MILD-TIMES", 3, "times daily", "ggc-hypokalaemia", "B"),
                    "review_after_hours": N(
                        "K-MILD-REVIEW",
                        48,
                        "hours",
                        "mindthebleep",
                        "C",
                        local=True,
                        note="'Always put a stop date of 2-3 days'.",
                    ),
                    "frequency_text": "three times daily",
                },
                recheck=N(
                    "K-RECHECK-MILD",
                    24,
                    "hours",
                    "local",
                    local=True,
                    note="GGC: twice weekly; Highland: after 2 days. Tighter during B12 loading because the fall may continue.",
                    alts=[(48, "Highland: after 2 days of treatment", "highland-hypokalaemia")],
                ),
            ),
            band(
                "K-BAND-NORMAL",
                "3.5 to below 4.5 mmol/L",
                N("K-NORMAL-BAND-LOW", 3.5, "mmol/L", "highland-hypokalaemia", "B"),
                "none",
                "normal",
                "No potassium supplement. Continue the schedule.",
                "highland-hypokalaemia",
                "B",
            ),
            band(
                "K-BAND-UPPER",
                "4.5 to below 5.0 mmol/L",
                N("K-UPPER-BAND-LOW", 4.5, "mmol/L", "ggc-hypokalaemia", "B"),
                "review",
                "normal",
                "No potassium supplement. If oral potassium is being given, tell the prescriber to reassess it.",
                "ggc-hypokalaemia",
                "B",
            ),
            band(
                "K-BAND-HOLD",
                "5.0 to 5.3 mmol/L",
                N("K-HOLD-BAND-LOW", 5.0, "mmol/L", "highland-hypokalaemia", "B"),
                "hold",
                "high",
                "HOLD all potassium supplements (including Phosphate Sandoz). Tell the prescriber.",
                "highland-hypokalaemia",
                "B",
            ),
            band(
                "K-BAND-HYPER",
                "Above 5.3 mmol/L",
                N("K-HYPER-ABOVE", 5.3, "mmol/L", "highland-hypokalaemia", "B"),
                "hold",
                "high",
                "HOLD all potassium. Call the doctor now (above the normal range).",
                "highland-hypokalaemia",
                "B",
                call=True,
                lower_inclusive=False,
            ),
        ],
        "not_by_mouth_band": band(
            "K-BAND-NBM",
            "Below 3.5 mmol/L and cannot take oral medicines",
            None,
            "iv",
            "moderate",
            "Call the doctor now. IV potassium as below once the prescriber confirms.",
            "highland-hypokalaemia",
            "B",
            iv=iv_k,
            recheck=N("K-RECHECK-NBM", 12, "hours", "highland-hypokalaemia", "B"),
            ecg=False,
            call=True,
        ),
    }
    regimens = [
        {
            "id": "bnf-no-neuro",
            "label": "Hydroxocobalamin, no neurological involvement (BNF)",
            "drug": "hydroxocobalamin",
            "route": "intramuscular",
            "dose": N("B12-BNF-DOSE", 1, "mg", "bnf-ggc", "B"),
            "loading_text": "1 mg three times a week for 2 weeks",
            "maintenance_text": "then 1 mg every 2 to 3 months",
            "loading_day_offsets": L(
                "B12-BNF-DAYS",
                [0, 2, 4, 7, 9, 11],
                "days after first dose",
                "local",
                local=True,
                note="Three times a week for 2 weeks: 6 doses; the spacing is the site's choice.",
            ),
            "parenteral_loading": True,
            "neurological": False,
            "source": "bnf-ggc",
            "grade": "B",
            "local_policy": False,
            "alternatives": [
                {
                    "value": None,
                    "text": "UK SmPC: 250-1,000 micrograms on alternate days for 1-2 weeks, then 250 micrograms weekly until the count is normal",
                    "source": "uk-smpc-hydroxo",
                },
                {
                    "value": None,
                    "text": "Older BNF/SmPC maintenance: every 3 months",
                    "source": "uk-smpc-hydroxo",
                },
            ],
        },
        {
            "id": "bnf-neuro",
            "label": "Hydroxocobalamin, neurological involvement (BNF/SmPC)",
            "drug": "hydroxocobalamin",
            "route": "intramuscular",
            "dose": N("B12-NEURO-DOSE", 1, "mg", "uk-smpc-hydroxo", "A"),
            "loading_text": "1 mg on alternate days until no further improvement",
            "maintenance_text": "then 1 mg every 2 months",
            "loading_day_offsets": L(
                "B12-NEURO-DAYS",
                [0, 2, 4, 6, 8, 10, 12],
                "days after first dose",
                "uk-smpc-hydroxo",
                "A",
                note="Alternate days; the first two weeks are printed, continued until no further improvement.",
            ),
            "parenteral_loading": True,
            "neurological": True,
            "source": "uk-smpc-hydroxo",
            "grade": "A",
            "local_policy": False,
        },
        {
            "id": "smpc-no-neuro",
            "label": "Hydroxocobalamin, no neurological involvement (UK SmPC)",
            "drug": "hydroxocobalamin",
            "route": "intramuscular",
            "dose": N(
                "B12-SMPC-DOSE",
                1000,
                "micrograms",
                "uk-smpc-hydroxo",
                "A",
                note="SmPC: 250 to 1,000 micrograms; the upper end chosen.",
            ),
            "loading_text": "1,000 micrograms on alternate days for 1 to 2 weeks",
            "maintenance_text": "then 250 micrograms weekly until the blood count is normal; maintenance 1,000 micrograms every 2 to 3 months",
            "loading_day_offsets": L(
                "B12-SMPC-DAYS",
                [0, 2, 4, 6, 8, 10, 12],
                "days after first dose",
                "uk-smpc-hydroxo",
                "A",
            ),
            "parenteral_loading": True,
            "neurological": False,
            "source": "uk-smpc-hydroxo",
            "grade": "A",
            "local_policy": False,
        },
        {
            "id": "oral-high-dose",
            "label": "Cyanocobalamin, high-dose oral (NICE NG239)",
            "drug": "cyanocobalamin",
            "route": "oral",
            "dose": N(
                "B12-ORAL-DOSE",
                1,
                "mg",
                "nice-ng239",
                "A",
                note="'a dosage of at least 1 mg a day'.",
                alts=[(2, "Kuzminski 1998: 2 mg daily", "kuzminski-1998")],
            ),
            "loading_text": "1 mg orally once daily",
            "maintenance_text": "review after 3 months of treatment",
            "loading_day_offsets": L(
                "B12-ORAL-DAYS", [0, 1, 2, 3, 4, 5, 6], "days after first dose", "nice-ng239", "A"
            ),
            "parenteral_loading": False,
            "neurological": False,
            "source": "nice-ng239",
            "grade": "A",
            "local_policy": False,
        },
    ]
    k_lowering = [
        {
            "id": "loop_diuretic",
            "label": "Loop diuretic",
            "examples": "furosemide, bumetanide",
            "source": "paice-1986",
            "grade": "A",
        },
        {
            "id": "thiazide_diuretic",
            "label": "Thiazide or thiazide-like diuretic",
            "examples": "bendroflumethiazide, indapamide",
            "source": "paice-1986",
            "grade": "A",
        },
        {
            "id": "corticosteroid",
            "label": "Corticosteroid",
            "examples": "prednisolone, dexamethasone",
            "source": "paice-1986",
            "grade": "A",
        },
        {"id": "insulin", "label": "Insulin", "examples": "", "source": "paice-1986", "grade": "A"},
        {
            "id": "beta2_agonist",
            "label": "Beta-2 agonist (high dose)",
            "examples": "salbutamol nebulised",
            "source": "harrison-18",
            "grade": "C",
        },
        {
            "id": "other_haematinic",
            "label": "Other haematinic started at the same time",
            "examples": "folic acid, iron",
            "source": "paice-1986",
            "grade": "A",
        },
    ]
    k_raising = [
        {
            "id": "ace_inhibitor",
            "label": "ACE inhibitor",
            "examples": "ramipril, lisinopril",
            "source": "highland-hypokalaemia",
            "grade": "B",
        },
        {
            "id": "arb",
            "label": "Angiotensin-II receptor blocker",
            "examples": "losartan, candesartan",
            "source": "highland-hypokalaemia",
            "grade": "B",
        },
        {
            "id": "k_sparing_diuretic",
            "label": "Potassium-sparing diuretic",
            "examples": "spironolactone, eplerenone, amiloride, triamterene",
            "source": "lothian-formulary",
            "grade": "B",
        },
        {
            "id": "trimethoprim",
            "label": "Trimethoprim (including co-trimoxazole)",
            "examples": "",
            "source": "pharmacy-times-tmp",
            "grade": "B",
        },
        {
            "id": "calcineurin_inhibitor",
            "label": "Tacrolimus or ciclosporin",
            "examples": "",
            "source": "a4medicine",
            "grade": "C",
        },
        {
            "id": "potassium_containing",
            "label": "Drug containing potassium",
            "examples": "potassium salts of penicillin",
            "source": "a4medicine",
            "grade": "C",
        },
    ]
    foods = [
        {
            "name": "Banana",
            "portion": "1 medium",
            "potassium": N("FOOD-BANANA", 9, "mmol", "queensland-k", "B"),
        },
        {
            "name": "Baked potato with skin",
            "portion": "1 long",
            "potassium": N(
                "FOOD-POTATO", 22, "mmol", "mayo-k-foods", "B", note="Boiling lowers potassium."
            ),
        },
        {
            "name": "Spinach, cooked",
            "portion": "1 cup",
            "potassium": N("FOOD-SPINACH", 21, "mmol", "mayo-k-foods", "B"),
        },
        {
            "name": "Lentils, cooked",
            "portion": "1 cup",
            "potassium": N("FOOD-LENTILS", 19, "mmol", "mayo-k-foods", "B"),
        },
        {
            "name": "Dried apricots",
            "portion": "4 pieces",
            "potassium": N("FOOD-APRICOTS", 5, "mmol", "queensland-k", "B"),
        },
    ]
    return {
        "schema_version": "1.0.0",
        "protocol_id": "uk-default",
        "title": "B12 start: potassium, magnesium and phosphate (UK default, hydroxocobalamin)",
        "version": "0.1.0",
        "approval": {
            "status": "draft",
            "approved_by": "",
            "approval_date": None,
            "review_due": None,
        },
        "intended_use": (
            "Decision support for qualified health professionals planning electrolyte monitoring and replacement "
            "for adults starting vitamin B12 therapy on a hospital ward. Not for emergencies, not for children, "
            "and not a substitute for clinical judgement. Every order must be checked by the prescriber."
        ),
        "jurisdiction": "UK",
        "potassium_unit": ku,
        "magnesium_mEq_per_mmol": N(
            "UNIT-MG-VALENCE",
            2,
            "mEq per mmol",
            "merck-conversions",
            "A",
            note="Magnesium is divalent: 1 mmol = 2 mEq.",
        ),
        "references": refs(),
        "patient": {
            "weight_plausible_low": N(
                "PLAUS-WEIGHT-LOW",
                20,
                "kg",
                "local",
                local=True,
                note="Plausibility bound for the weight printed on the sheet; not a clinical threshold.",
            ),
            "weight_plausible_high": N(
                "PLAUS-WEIGHT-HIGH",
                350,
                "kg",
                "local",
                local=True,
                note="Plausibility bound for the weight printed on the sheet; not a clinical threshold.",
            ),
            "age_plausible_high": N(
                "PLAUS-AGE-HIGH",
                125,
                "years",
                "local",
                local=True,
                note="Plausibility bound: a date of birth giving an older age is a typing slip "
                "(e.g. 1800 for 1948); not a clinical threshold.",
            ),
            "time_back_limit": N(
                "PLAUS-TIME-BACK",
                365,
                "days",
                "local",
                local=True,
                note="Plausibility bound: a sample, follow-up or first dose further back than this "
                "before now is a typing slip (a wrong year); not a clinical threshold. Staleness "
                "of a baseline is a separate, clinical rule.",
            ),
            "time_ahead_limit": N(
                "PLAUS-TIME-AHEAD",
                60,
                "days",
                "local",
                local=True,
                note="Plausibility bound: a first dose or planned discharge further ahead than this "
                "after now is a typing slip (a wrong year); not a clinical threshold.",
            ),
        },
        "analytes": analytes("mEq/L"),
        "anaemia": anaemia,
        "b12": b12,
        "potassium": potassium,
        "magnesium": magnesium,
        "phosphate": phosphate,
        "risk": risk,
        "monitoring": monitoring,
        "gates": {
            "adult_age": N(
                "GATE-ADULT-AGE",
                18,
                "years",
                "safety-req",
                None,
                local=True,
                note="CLN-01: age under 18 forces prescriber review. NICE NG239 covers over-16s.",
            ),
            "renal": {
                "egfr_review_below": N(
                    "GATE-EGFR-REVIEW",
                    30,
                    "mL/min/1.73 m2",
                    "aa-hypokalaemia",
                    "B",
                    alts=[
                        (
                            20,
                            "Oral KCl (UK SmPC-derived monograph): contraindicated below GFR 20",
                            "medscape-uk-kcl",
                        ),
                        (
                            30,
                            "US electrolyte replacement protocol (hospital not identified; read on a copy): CrCl below 30",
                            "local",
                        ),
                    ],
                ),
                "egfr_renal_team_below": N(
                    "GATE-EGFR-RENAL-TEAM", 15, "mL/min/1.73 m2", "aa-hypokalaemia", "B"
                ),
                "creatinine_review_at_or_above": None,
                "egfr_from_creatinine": CKD_EPI_2021,
            },
            "texts": {
                "age": T(
                    "GATE-TEXT-AGE",
                    "Patient is under the adult age of this protocol: no automatic potassium dosing; prescriber review.",
                    "safety-req",
                    None,
                    True,
                ),
                "renal": T(
                    "GATE-TEXT-RENAL",
                    "Renal impairment: potassium supplements may cause hyperkalaemia; no automatic dosing; prescriber review.",
                    "aa-hypokalaemia",
                    "B",
                ),
                "renal_team": T(
                    "GATE-TEXT-RENAL-TEAM",
                    "Severe renal impairment: IV potassium only after discussion with the renal team.",
                    "aa-hypokalaemia",
                    "B",
                ),
                "renal_unknown": T(
                    "GATE-TEXT-RENAL-UNKNOWN",
                    "No eGFR result: renal function unknown; no automatic dosing until it is known or the prescriber reviews.",
                    "local",
                    None,
                    True,
                ),
                "dialysis": T(
                    "GATE-TEXT-DIALYSIS",
                    "On dialysis: potassium is managed with the renal team; no automatic dosing.",
                    "highland-hypokalaemia",
                    "B",
                ),
                "oliguria": T(
                    "GATE-TEXT-OLIGURIA",
                    "Low urine output: check urine output before any potassium; prescriber review.",
                    "highland-hypokalaemia",
                    "B",
                ),
                "k_raising": T(
                    "GATE-TEXT-K-RAISING",
                    "Takes a drug that raises potassium: potassium supplements need prescriber review (risk of hyperkalaemia).",
                    "highland-hypokalaemia",
                    "B",
                ),
                "hyperkalaemia": T(
                    "GATE-TEXT-HYPERK",
                    "Potassium is above the normal range: no potassium; prescriber review now.",
                    "highland-hypokalaemia",
                    "B",
                ),
            },
        },
        "regimens": regimens,
        "default_regimen": "bnf-no-neuro",
        "k_lowering_drugs": k_lowering,
        "k_raising_drugs": k_raising,
        "hold_rules": hold,
        "escalation": esc,
        "warnings": warnings,
        "foods": foods,
        "food_advice_source": T(
            "FOOD-ADVICE",
            "Advice only: potassium varies with portion size and cooking (boiling lowers it). Not a treatment.",
            "queensland-k",
            "B",
        ),
    }


#: The routes the US cyanocobalamin label allows (both US injectable regimens use that product).
US_CYANO_LABEL_ROUTES = {
    "id": "ROUTE-US-CYANO-LABEL",
    "text": 'US cyanocobalamin label: "by intramuscular or deep subcutaneous injection"',
    "source": "fda-cyano-label",
    "grade": "A",
    "local_policy": False,
    "routes": ["intramuscular", "deep subcutaneous"],
}


def us():
    p = uk()
    ku = "mEq"
    _anaemia, _b12, magnesium, phosphate, _risk, _monitoring = common_sections(ku)
    hold, esc, warnings = common_text(ku)
    p.update(
        {
            "protocol_id": "us-labels",
            "title": "B12 start: potassium, magnesium and phosphate (US labels, cyanocobalamin, mEq)",
            "jurisdiction": "US",
            "potassium_unit": ku,
            "magnesium": magnesium,
            "phosphate": phosphate,
            "hold_rules": hold,
            "escalation": esc,
            "warnings": warnings,
        }
    )
    p["analytes"]["potassium"]["canonical_unit"] = "mmol/L"
    kcl = {
        "id": "K-ORAL-KCL-ER",
        "name": "potassium chloride extended-release tablet 20 mEq",
        "form": "tablet",
        "form_plural": "tablets",
        "potassium_per_unit": N(
            "K-KCL-ER-MEQ",
            20,
            "mEq",
            "us-kcl-er-label",
            "C",
            local=True,
            note="A 20 mEq extended-release tablet (site formulary); label read only as quoted.",
        ),
        "administration": "swallow whole with water after food",
    }
    premix = {
        "id": "K-IV-PREMIX-40",
        "name": "potassium chloride 40 mEq in sodium chloride 0.9% 1,000 mL (premixed bag)",
        "amount": N("K-IV-PREMIX-AMOUNT", 40, "mEq", "us-kcl-iv-label", "C", local=True),
        "volume": N("K-IV-PREMIX-VOLUME", 1000, "mL", "us-kcl-iv-label", "C", local=True),
        "diluent": "sodium chloride 0.9%",
    }
    iv_k = {
        "product": "K-IV-PREMIX-40",
        "max_rate": N(
            "K-IV-MAX-RATE",
            10,
            "mEq/hour",
            "us-kcl-iv-label",
            "C",
            local=True,
            note="Label as quoted: not exceed 10 mEq/hour if serum potassium is greater than 2.5 mEq/L. Read only on a secondary page, so local policy.",
            alts=[(10, "SPS (UK): 'should not normally exceed 10mmol/hour'", "sps-iv-kcl")],
        ),
        "route": "intravenous infusion, peripheral line",
    }
    k = p["potassium"]
    k["normal_high"] = N(
        "K-NORMAL-HIGH",
        5.0,
        "mEq/L",
        "wikipedia-k",
        "C",
        local=True,
        alts=[(5.3, "NHS Highland normal upper limit 5.3", "highland-hypokalaemia")],
    )
    for key in (
        "normal_low",
        "hold_at_or_above",
        "reassess_at_or_above",
        "escalate_below",
        "ecg_below",
        "cardiac_target_low",
        "iv_max_peripheral_concentration",
    ):
        k[key] = dict(k[key], unit=k[key]["unit"].replace("mmol", "mEq"))
    k["iv_ecg_monitoring_above_rate"] = dict(k["iv_ecg_monitoring_above_rate"], unit="mEq/hour")
    k["oral_max_single_dose"] = N(
        "K-ORAL-MAX-DOSE",
        20,
        "mEq",
        "us-kcl-er-label",
        "C",
        local=True,
        note="ER tablet label as quoted: 'divided so that no single dose exceeds 20 mEq'. Limit for prescriber overrides.",
        alts=[
            (
                40,
                "KCl oral solution label as quoted: 'limit doses to 40 mEq per dose'",
                "us-kcl-oral-label",
            )
        ],
    )
    k["oral_max_per_day"] = N(
        "K-ORAL-MAX-DAY",
        200,
        "mEq",
        "us-kcl-oral-label",
        "C",
        local=True,
        note="KCl oral solution label as quoted: 'should not exceed 200 mEq in a 24 hour period'. Limit for prescriber overrides.",
        alts=[(100, "ER tablet label as quoted: treatment 40-100 mEq per day", "us-kcl-er-label")],
    )
    k["products"] = [kcl]
    k["iv_products"] = [premix]
    oral = lambda n, t, ft: {  # noqa: E731 - a table row builder, read as data
        "product": "K-ORAL-KCL-ER",
        "units_per_dose": N(
            f"K-{n}-TABLETS",
            1,
            "tablet",
            "us-kcl-er-label",
            "C",
            local=True,
            note="ER tablet label as quoted: 'no single dose exceeds 20 mEq'.",
        ),
        "times_per_day": N(
            f"K-{n}-TIMES",
            t,
            "times daily",
            "us-kcl-er-label",
            "C",
            local=True,
            note="ER tablet label as quoted: 40-100 mEq per day divided; the site picks within it.",
        ),
        "review_after_hours": N(f"K-{n}-REVIEW", 48, "hours", "local", local=True),
        "frequency_text": ft,
    }
    bands = []
    for b in k["bands"]:
        b = json.loads(json.dumps(b).replace("mmol/L", "mEq/L"))
        if b["id"] == "K-BAND-SEVERE":
            b["iv"] = iv_k
        if b["id"] == "K-BAND-MODERATE":
            b["oral"] = oral("MOD", 3, "three times daily")
        if b["id"] == "K-BAND-MILD":
            b["oral"] = oral("MILD", 2, "twice daily")
        if b["id"] == "K-BAND-HOLD":
            b["label"] = "5.0 mEq/L and above"
            b["instruction"] = (
                "HOLD all potassium supplements (including the sodium and potassium phosphate tablet). "
                "Call the doctor now (at or above the normal upper limit)."
            )
            b["call_doctor"] = True
        bands.append(b)
    k["bands"] = [b for b in bands if b["id"] != "K-BAND-HYPER"]
    nbm = json.loads(json.dumps(k["not_by_mouth_band"]).replace("mmol/L", "mEq/L"))
    nbm["iv"] = iv_k
    k["not_by_mouth_band"] = nbm
    us_products(p)
    p["regimens"] = [
        {
            "id": "us-label-100",
            "label": "Cyanocobalamin 100 micrograms (FDA label)",
            "drug": "cyanocobalamin",
            "route": "intramuscular",
            "dose": N("B12-US-LABEL-DOSE", 100, "micrograms", "fda-cyano-label", "A"),
            "loading_text": "100 micrograms daily for 6 or 7 days by intramuscular or deep subcutaneous injection",
            "maintenance_text": (
                "then, if there is clinical improvement and a reticulocyte response is observed, the same amount "
                "on alternate days for 7 doses, then every 3 to 4 days for 2 to 3 weeks; then 100 micrograms "
                "monthly for life"
            ),
            "loading_day_offsets": L(
                "B12-US-LABEL-DAYS",
                [0, 1, 2, 3, 4, 5, 6],
                "days after first dose",
                "fda-cyano-label",
                "A",
            ),
            "parenteral_loading": True,
            "neurological": False,
            "source": "fda-cyano-label",
            "grade": "A",
            "local_policy": False,
            "label_routes": US_CYANO_LABEL_ROUTES,
            "alternatives": [
                {
                    "value": None,
                    "text": "Common US practice (secondary summaries, origin unidentified): 1,000 micrograms daily for 1 week, weekly for 4 weeks, then monthly",
                    "source": "local",
                }
            ],
        },
        {
            "id": "us-common-1000",
            "label": "Cyanocobalamin 1,000 micrograms (common US practice)",
            "drug": "cyanocobalamin",
            "route": "intramuscular",
            "dose": N(
                "B12-US-1000-DOSE",
                1000,
                "micrograms",
                "local",
                local=True,
                note="Common US practice as described by secondary summaries whose origin could not be identified; no A/B source gives this regimen.",
            ),
            "loading_text": "1,000 micrograms daily for 7 days",
            "maintenance_text": "then 1,000 micrograms weekly for 4 weeks, then monthly",
            "loading_day_offsets": L(
                "B12-US-1000-DAYS",
                [0, 1, 2, 3, 4, 5, 6],
                "days after first dose",
                "local",
                local=True,
            ),
            "parenteral_loading": True,
            "neurological": False,
            "source": "local",
            "grade": None,
            "local_policy": True,
            "label_routes": US_CYANO_LABEL_ROUTES,
        },
        {
            "id": "us-oral-2mg",
            "label": "Cyanocobalamin 2 mg oral daily (Kuzminski 1998)",
            "drug": "cyanocobalamin",
            "route": "oral",
            "dose": N("B12-US-ORAL-DOSE", 2, "mg", "kuzminski-1998", "A"),
            "loading_text": "2 mg orally once daily",
            "maintenance_text": "for 120 days, then review",
            "loading_day_offsets": L(
                "B12-US-ORAL-DAYS",
                [0, 1, 2, 3, 4, 5, 6],
                "days after first dose",
                "kuzminski-1998",
                "A",
            ),
            "parenteral_loading": False,
            "neurological": False,
            "source": "kuzminski-1998",
            "grade": "A",
            "local_policy": False,
        },
    ]
    p["default_regimen"] = "us-label-100"
    p["gates"]["renal"]["creatinine_review_at_or_above"] = N(
        "GATE-CREAT-REVIEW",
        221,
        "micromol/L",
        "local",
        local=True,
        note=(
            "A US electrolyte replacement protocol (hospital not identified; read on a document-sharing copy): serum "
            "creatinine 2.5 mg/dL or more (221 micromol/L [derived])."
        ),
        alts=[
            (
                177,
                "US ICU protocol (Rich, Montero, Conley; abstract read on a copy): above 2 mg/dL",
                "local",
            ),
            (265, "FPnotebook: above 3.0 mg/dL", "local"),
        ],
    )
    p["foods"] = [dict(f, potassium=dict(f["potassium"], unit="mEq")) for f in p["foods"]]
    us_examples = {
        "thiazide_diuretic": "hydrochlorothiazide, chlorthalidone",
        "corticosteroid": "prednisone, dexamethasone",
        "beta2_agonist": "albuterol, nebulized",
    }
    p["k_lowering_drugs"] = [
        dict(d, examples=us_examples.get(d["id"], d["examples"])) for d in p["k_lowering_drugs"]
    ]
    us_raising = {
        "trimethoprim": {"label": "Trimethoprim (including trimethoprim-sulfamethoxazole)"},
        "calcineurin_inhibitor": {"label": "Tacrolimus or cyclosporine"},
    }
    p["k_raising_drugs"] = [dict(d, **us_raising.get(d["id"], {})) for d in p["k_raising_drugs"]]
    p["hold_rules"] = [
        *(h for h in p["hold_rules"] if h["id"] != "HOLD-PO4-K"),
        T(
            "HOLD-PO4-K",
            "The sodium and potassium phosphate tablet contains potassium: it is counted in the total daily potassium.",
            "us-formulary",
            None,
            True,
        ),
        T(
            "HOLD-B12-NOT-IV",
            "Do not give cyanocobalamin intravenously: the label says to avoid the intravenous route "
            "(almost all of the vitamin is lost in the urine). Intramuscular or deep subcutaneous only.",
            "fda-cyano-label",
            "A",
        ),
    ]
    return p


def us_products(p):
    """US formulary products for magnesium and phosphate (issue 15, item 8), replacing the UK ones.

    Amounts are derived from the strength on the product label (local policy: the site checks its own
    product) and the standard atomic weights; each carries its potassium where it has any.
    """
    mg = p["magnesium"]
    mg["products"] = [
        {
            "id": "MG-ORAL-OXIDE",
            "name": "magnesium oxide 400 mg tablet",
            "form": "tablet",
            "form_plural": "tablets",
            "magnesium_per_unit": N(
                "MG-OXIDE-MMOL",
                9.9,
                "mmol",
                "us-formulary",
                local=True,
                note="[derived] 400 mg / 40.304 g/mol (MgO, standard atomic weights) = 9.92 mmol magnesium (241 mg elemental, 19.8 mEq).",
            ),
            "administration": "swallow with water",
        }
    ]
    mg["iv_products"] = [
        {
            "id": "MG-IV-SULFATE-4G",
            "name": "magnesium sulfate 4 g in water for injection 100 mL (premixed bag)",
            "amount": N(
                "MG-IV-AMOUNT",
                16.2,
                "mmol",
                "us-formulary",
                local=True,
                note="[derived] 4 g / 246.47 g/mol (magnesium sulfate heptahydrate, standard atomic weights) = 16.2 mmol = 32.5 mEq. SPS: initial IV dose 1 to 5 g (4 to 20 mmol).",
                alts=[
                    (
                        20,
                        "NHS Highland: 20 mmol (5 g) in 250 mL glucose 5% over 3 hours",
                        "highland-hypomagnesaemia",
                    )
                ],
            ),
            "volume": N("MG-IV-VOLUME", 100, "mL", "us-formulary", local=True),
            "diluent": "water for injection",
        }
    ]
    for b in mg["bands"]:
        if b["iv"]:
            b["iv"] = dict(b["iv"], product="MG-IV-SULFATE-4G")
        if b["oral"]:
            b["oral"] = dict(
                b["oral"],
                product="MG-ORAL-OXIDE",
                units_per_dose=N("MG-ORAL-TABLETS", 1, "tablet", "us-formulary", local=True),
                times_per_day=N(
                    "MG-ORAL-TIMES",
                    2,
                    "times daily",
                    "sps-hypomagnesaemia",
                    "B",
                    local=True,
                    note="SPS: total daily oral dose 10 to 24 mmol in divided doses; 2 x 9.9 = 19.8 mmol [derived].",
                ),
            )
    po4 = p["phosphate"]
    po4["products"] = [
        {
            "id": "PO4-ORAL-K-NA",
            "name": "sodium and potassium phosphate tablet, 250 mg phosphorus",
            "form": "tablet",
            "form_plural": "tablets",
            "phosphate_per_unit": N(
                "PO4-K-NA-PO4",
                8.07,
                "mmol",
                "us-formulary",
                local=True,
                note="[derived] 250 mg phosphorus / 30.974 g/mol = 8.07 mmol.",
            ),
            "potassium_per_unit": N(
                "PO4-K-NA-K",
                1.1,
                "mEq",
                "us-formulary",
                local=True,
                note="K-Phos Neutral type label: 45 mg (1.1 mEq) potassium and 298 mg (13 mEq) sodium per tablet; check the stocked product.",
            ),
            "administration": "swallow with a full glass of water",
        }
    ]
    po4["iv_products"] = [
        {
            "id": "PO4-IV-NA-PHOS",
            "name": "sodium phosphates 20 mmol in glucose 5% 500 mL",
            "amount": N(
                "PO4-IV-AMOUNT",
                20,
                "mmol",
                "ggc-hypophosphataemia",
                "B",
                note="GGC: 20 mmol over 12 hours. Sodium phosphates injection (3 mmol phosphate per mL) diluted; it carries no potassium.",
            ),
            "volume": N("PO4-IV-VOLUME", 500, "mL", "ggc-hypophosphataemia", "B"),
            "diluent": "glucose 5%",
        }
    ]
    for b in po4["bands"]:
        if b["iv"]:
            b["iv"] = dict(b["iv"], product="PO4-IV-NA-PHOS")
        if b["oral"]:
            b["oral"] = dict(
                b["oral"],
                product="PO4-ORAL-K-NA",
                units_per_dose=N(
                    "PO4-ORAL-TABLETS",
                    2,
                    "tablets",
                    "ggc-hypophosphataemia",
                    "B",
                    local=True,
                    note="GGC: 1-2 Phosphate Sandoz (16 mmol) three times daily; 2 x 8.07 mmol three times daily = 48.4 mmol a day [derived], GGC's lower end.",
                ),
            )


def main() -> int:
    out = ROOT / "resources" / "protocols"
    for name, proto in (("uk-default.json", uk()), ("us-labels.json", us())):
        (out / name).write_text(
            json.dumps(proto, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print("wrote", out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
