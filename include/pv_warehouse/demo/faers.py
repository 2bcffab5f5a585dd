"""Synthetic FAERS quarters: the FDA's quarterly ASCII files, in the layout published since 2014Q3.

`write_faers_quarter` writes the seven tables of one quarter (DEMO, DRUG, INDI, OUTC, REAC, RPSR, THER) as the
FDA publishes them: `$`-delimited, no quoting, one lower-case header, LF line ends, optionally one more `$` at
the end of every line; either zipped (`faers_ascii_2015q1.zip` holding `ascii/DEMO15Q1.txt`...) or extracted
into a folder. The content is random but shaped like the real files: about 4.2 drug rows, 3.1 reaction terms,
2.5 indications, 1.4 therapy rows and 0.7 outcomes per report, drugs and terms drawn with Zipf-like
frequencies, partial dates, ages in several units, follow-up versions of earlier quarters' cases.

The study's drug, anakinra (KINERET), is a suspect drug in about 0.3% of the reports, and those reports carry
skin and injection-site terms far more often than the others: anakinra / "Injection site reaction" is a clear
disproportionality signal. Whether a case is an anakinra case is read from its caseid (`is_anakinra_case`), so
its follow-ups in later quarters stay anakinra cases.

A quarter is written table by table, each streamed in chunks straight into its file or zip member: a first pass
draws the skeleton every table shares (case ids, versions, each report's drugs and their roles) into compact
arrays, then each table is one pass over the reports. Everything is drawn from the `rng` passed in, in a fixed
order, so a given rng state always gives the same bytes (zip members carry a fixed timestamp).
"""

from __future__ import annotations

import datetime as dt
import random
import zipfile
from array import array
from bisect import bisect
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from itertools import accumulate
from pathlib import Path
from typing import IO

from pv_warehouse.ingest.contract import FAERS_LAYOUT

# the FDA's column order of each table, as the loader knows it, in the order of the members in the FDA's zips
COLUMNS: dict[str, tuple[str, ...]] = {
    name: FAERS_LAYOUT[name.lower()] for name in ("DEMO", "DRUG", "INDI", "OUTC", "REAC", "RPSR", "THER")
}
# the order of the members in the FDA's zips, and the order the tables are written in
TABLES: tuple[str, ...] = tuple(COLUMNS)

ANAKINRA = "ANAKINRA"
ANAKINRA_BRAND = "KINERET"
ANAKINRA_SHARE = 0.003
# a case is an anakinra case when its caseid leaves this remainder: its follow-ups stay anakinra cases
ANAKINRA_MODULUS = 211
ANAKINRA_REMAINDER = 97
UNKNOWN_INDICATION = "Product used for unknown indication"

FIRST_QUARTER = (2012, 4)  # the first quarter FAERS published with primaryid/caseid
CASEID_BASE = 10_000_000
CASEIDS_PER_QUARTER = 2_000_000
MAX_REPORTS = 1_000_000
PROGRESS_EVERY = 10_000
CHUNK_REPORTS = 2_000

# Active ingredients, most reported first: prod_ai (combinations joined by a backslash, as the FDA writes
# them) | a brand name | route (see ROUTES) | the usual indication (a MedDRA term).
_INGREDIENTS = """
ADALIMUMAB|HUMIRA|S|Rheumatoid arthritis
ETANERCEPT|ENBREL|S|Rheumatoid arthritis
ACETAMINOPHEN|TYLENOL|O|Pain
ASPIRIN|BAYER LOW DOSE|O|Thrombosis prophylaxis
METHOTREXATE|TREXALL|O|Rheumatoid arthritis
PREDNISONE|DELTASONE|O|Rheumatoid arthritis
LENALIDOMIDE|REVLIMID|O|Plasma cell myeloma
APIXABAN|ELIQUIS|O|Atrial fibrillation
RIVAROXABAN|XARELTO|O|Atrial fibrillation
INFLIXIMAB|REMICADE|V|Crohn's disease
ATORVASTATIN CALCIUM|LIPITOR|O|Blood cholesterol increased
OMEPRAZOLE|PRILOSEC|O|Gastrooesophageal reflux disease
LEVOTHYROXINE SODIUM|SYNTHROID|O|Hypothyroidism
METFORMIN HYDROCHLORIDE|GLUCOPHAGE|O|Type 2 diabetes mellitus
AMLODIPINE BESYLATE|NORVASC|O|Hypertension
PREGABALIN|LYRICA|O|Neuropathy peripheral
DENOSUMAB|PROLIA|S|Osteoporosis
INSULIN GLARGINE|LANTUS|S|Diabetes mellitus
DULAGLUTIDE|TRULICITY|S|Type 2 diabetes mellitus
LISINOPRIL|ZESTRIL|O|Hypertension
IBUPROFEN|ADVIL|O|Pain
GABAPENTIN|NEURONTIN|O|Neuralgia
TERIPARATIDE|FORTEO|S|Osteoporosis
USTEKINUMAB|STELARA|S|Psoriasis
SECUKINUMAB|COSENTYX|S|Psoriasis
DUPILUMAB|DUPIXENT|S|Dermatitis atopic
TOFACITINIB CITRATE|XELJANZ|O|Rheumatoid arthritis
TOCILIZUMAB|ACTEMRA|V|Rheumatoid arthritis
ABATACEPT|ORENCIA|S|Rheumatoid arthritis
CERTOLIZUMAB PEGOL|CIMZIA|S|Crohn's disease
GOLIMUMAB|SIMPONI|S|Rheumatoid arthritis
RITUXIMAB|RITUXAN|V|Non-Hodgkin's lymphoma
NIVOLUMAB|OPDIVO|V|Non-small cell lung cancer
PEMBROLIZUMAB|KEYTRUDA|V|Malignant melanoma
BEVACIZUMAB|AVASTIN|V|Colorectal cancer
TRASTUZUMAB|HERCEPTIN|V|Breast cancer
IBRUTINIB|IMBRUVICA|O|Chronic lymphocytic leukaemia
POMALIDOMIDE|POMALYST|O|Plasma cell myeloma
BORTEZOMIB|VELCADE|S|Plasma cell myeloma
DEXAMETHASONE|DECADRON|O|Plasma cell myeloma
CAPECITABINE|XELODA|O|Breast cancer
CYCLOPHOSPHAMIDE|CYTOXAN|V|Breast cancer
PACLITAXEL|TAXOL|V|Breast cancer
CARBOPLATIN|PARAPLATIN|V|Ovarian cancer
OXALIPLATIN|ELOXATIN|V|Colorectal cancer
FLUOROURACIL|ADRUCIL|V|Colorectal cancer
DOCETAXEL|TAXOTERE|V|Prostate cancer
IMATINIB MESYLATE|GLEEVEC|O|Chronic myeloid leukaemia
NILOTINIB|TASIGNA|O|Chronic myeloid leukaemia
DASATINIB|SPRYCEL|O|Chronic myeloid leukaemia
RUXOLITINIB|JAKAFI|O|Myelofibrosis
PALBOCICLIB|IBRANCE|O|Breast cancer
ENZALUTAMIDE|XTANDI|O|Prostate cancer
ABIRATERONE ACETATE|ZYTIGA|O|Prostate cancer
LETROZOLE|FEMARA|O|Breast cancer
ANASTROZOLE|ARIMIDEX|O|Breast cancer
TAMOXIFEN CITRATE|NOLVADEX|O|Breast cancer
LEDIPASVIR\\SOFOSBUVIR|HARVONI|O|Hepatitis C
EMTRICITABINE\\TENOFOVIR DISOPROXIL FUMARATE|TRUVADA|O|HIV infection
ABACAVIR SULFATE\\DOLUTEGRAVIR SODIUM\\LAMIVUDINE|TRIUMEQ|O|HIV infection
DOLUTEGRAVIR SODIUM|TIVICAY|O|HIV infection
ACETAMINOPHEN\\HYDROCODONE BITARTRATE|NORCO|O|Pain
ACETAMINOPHEN\\OXYCODONE HYDROCHLORIDE|PERCOCET|O|Pain
OXYCODONE HYDROCHLORIDE|OXYCONTIN|O|Pain
MORPHINE SULFATE|MS CONTIN|O|Pain
FENTANYL|DURAGESIC|T|Pain
TRAMADOL HYDROCHLORIDE|ULTRAM|O|Pain
BUPRENORPHINE HYDROCHLORIDE\\NALOXONE HYDROCHLORIDE|SUBOXONE|O|Drug dependence
NALOXONE HYDROCHLORIDE|NARCAN|N|Overdose
FLUTICASONE PROPIONATE\\SALMETEROL XINAFOATE|ADVAIR DISKUS|H|Asthma
BUDESONIDE\\FORMOTEROL FUMARATE DIHYDRATE|SYMBICORT|H|Chronic obstructive pulmonary disease
TIOTROPIUM BROMIDE|SPIRIVA|H|Chronic obstructive pulmonary disease
ALBUTEROL SULFATE|PROAIR HFA|H|Asthma
MONTELUKAST SODIUM|SINGULAIR|O|Asthma
OMALIZUMAB|XOLAIR|S|Asthma
MEPOLIZUMAB|NUCALA|S|Asthma
SITAGLIPTIN PHOSPHATE|JANUVIA|O|Type 2 diabetes mellitus
EMPAGLIFLOZIN|JARDIANCE|O|Type 2 diabetes mellitus
CANAGLIFLOZIN|INVOKANA|O|Type 2 diabetes mellitus
DAPAGLIFLOZIN PROPANEDIOL|FARXIGA|O|Type 2 diabetes mellitus
LIRAGLUTIDE|VICTOZA|S|Type 2 diabetes mellitus
SEMAGLUTIDE|OZEMPIC|S|Type 2 diabetes mellitus
INSULIN LISPRO|HUMALOG|S|Diabetes mellitus
INSULIN ASPART|NOVOLOG|S|Diabetes mellitus
INSULIN DEGLUDEC|TRESIBA|S|Diabetes mellitus
EXENATIDE|BYETTA|S|Type 2 diabetes mellitus
GLIPIZIDE|GLUCOTROL|O|Type 2 diabetes mellitus
PIOGLITAZONE HYDROCHLORIDE|ACTOS|O|Type 2 diabetes mellitus
SACUBITRIL\\VALSARTAN|ENTRESTO|O|Cardiac failure
WARFARIN SODIUM|COUMADIN|O|Atrial fibrillation
CLOPIDOGREL BISULFATE|PLAVIX|O|Acute coronary syndrome
DABIGATRAN ETEXILATE MESYLATE|PRADAXA|O|Atrial fibrillation
TICAGRELOR|BRILINTA|O|Acute coronary syndrome
ENOXAPARIN SODIUM|LOVENOX|S|Deep vein thrombosis
HEPARIN SODIUM|HEPARIN SODIUM|V|Thrombosis prophylaxis
METOPROLOL SUCCINATE|TOPROL-XL|O|Hypertension
CARVEDILOL|COREG|O|Cardiac failure
FUROSEMIDE|LASIX|O|Oedema
HYDROCHLOROTHIAZIDE|MICROZIDE|O|Hypertension
LOSARTAN POTASSIUM|COZAAR|O|Hypertension
VALSARTAN|DIOVAN|O|Hypertension
SPIRONOLACTONE|ALDACTONE|O|Cardiac failure
SIMVASTATIN|ZOCOR|O|Blood cholesterol increased
ROSUVASTATIN CALCIUM|CRESTOR|O|Blood cholesterol increased
EZETIMIBE|ZETIA|O|Blood cholesterol increased
EVOLOCUMAB|REPATHA|S|Blood cholesterol increased
ALIROCUMAB|PRALUENT|S|Blood cholesterol increased
PANTOPRAZOLE SODIUM|PROTONIX|O|Gastrooesophageal reflux disease
ESOMEPRAZOLE MAGNESIUM|NEXIUM|O|Gastrooesophageal reflux disease
LANSOPRAZOLE|PREVACID|O|Gastrooesophageal reflux disease
RANITIDINE HYDROCHLORIDE|ZANTAC|O|Dyspepsia
ONDANSETRON|ZOFRAN|O|Nausea
MESALAMINE|LIALDA|O|Colitis ulcerative
VEDOLIZUMAB|ENTYVIO|V|Colitis ulcerative
AZATHIOPRINE|IMURAN|O|Crohn's disease
MYCOPHENOLATE MOFETIL|CELLCEPT|O|Renal transplant
TACROLIMUS|PROGRAF|O|Renal transplant
CYCLOSPORINE|NEORAL|O|Renal transplant
HYDROXYCHLOROQUINE SULFATE|PLAQUENIL|O|Systemic lupus erythematosus
LEFLUNOMIDE|ARAVA|O|Rheumatoid arthritis
SULFASALAZINE|AZULFIDINE|O|Rheumatoid arthritis
APREMILAST|OTEZLA|O|Psoriatic arthropathy
IXEKIZUMAB|TALTZ|S|Psoriasis
GUSELKUMAB|TREMFYA|S|Psoriasis
BARICITINIB|OLUMIANT|O|Rheumatoid arthritis
UPADACITINIB|RINVOQ|O|Rheumatoid arthritis
CANAKINUMAB|ILARIS|S|Cryopyrin associated periodic syndrome
COLCHICINE|COLCRYS|O|Gout
ALLOPURINOL|ZYLOPRIM|O|Gout
FEBUXOSTAT|ULORIC|O|Gout
INTERFERON BETA-1A|AVONEX|M|Multiple sclerosis
GLATIRAMER ACETATE|COPAXONE|S|Multiple sclerosis
FINGOLIMOD HYDROCHLORIDE|GILENYA|O|Multiple sclerosis
DIMETHYL FUMARATE|TECFIDERA|O|Multiple sclerosis
TERIFLUNOMIDE|AUBAGIO|O|Multiple sclerosis
NATALIZUMAB|TYSABRI|V|Multiple sclerosis
OCRELIZUMAB|OCREVUS|V|Multiple sclerosis
SERTRALINE HYDROCHLORIDE|ZOLOFT|O|Depression
ESCITALOPRAM OXALATE|LEXAPRO|O|Depression
FLUOXETINE HYDROCHLORIDE|PROZAC|O|Depression
DULOXETINE HYDROCHLORIDE|CYMBALTA|O|Depression
VENLAFAXINE HYDROCHLORIDE|EFFEXOR XR|O|Depression
BUPROPION HYDROCHLORIDE|WELLBUTRIN|O|Depression
TRAZODONE HYDROCHLORIDE|DESYREL|O|Insomnia
QUETIAPINE FUMARATE|SEROQUEL|O|Bipolar disorder
ARIPIPRAZOLE|ABILIFY|O|Schizophrenia
OLANZAPINE|ZYPREXA|O|Schizophrenia
RISPERIDONE|RISPERDAL|O|Schizophrenia
PALIPERIDONE PALMITATE|INVEGA SUSTENNA|M|Schizophrenia
CLOZAPINE|CLOZARIL|O|Schizophrenia
LITHIUM CARBONATE|LITHOBID|O|Bipolar disorder
LAMOTRIGINE|LAMICTAL|O|Epilepsy
LEVETIRACETAM|KEPPRA|O|Epilepsy
DIVALPROEX SODIUM|DEPAKOTE|O|Bipolar disorder
TOPIRAMATE|TOPAMAX|O|Migraine
CARBAMAZEPINE|TEGRETOL|O|Epilepsy
ALPRAZOLAM|XANAX|O|Anxiety
CLONAZEPAM|KLONOPIN|O|Anxiety
LORAZEPAM|ATIVAN|O|Anxiety
ZOLPIDEM TARTRATE|AMBIEN|O|Insomnia
METHYLPHENIDATE HYDROCHLORIDE|CONCERTA|O|Attention deficit hyperactivity disorder
LISDEXAMFETAMINE DIMESYLATE|VYVANSE|O|Attention deficit hyperactivity disorder
VARENICLINE TARTRATE|CHANTIX|O|Smoking cessation therapy
DONEPEZIL HYDROCHLORIDE|ARICEPT|O|Dementia Alzheimer's type
CARBIDOPA\\LEVODOPA|SINEMET|O|Parkinson's disease
ROPINIROLE HYDROCHLORIDE|REQUIP|O|Restless legs syndrome
SUMATRIPTAN SUCCINATE|IMITREX|O|Migraine
ERENUMAB-AOOE|AIMOVIG|S|Migraine
ONABOTULINUMTOXINA|BOTOX|M|Migraine
ALENDRONATE SODIUM|FOSAMAX|O|Osteoporosis
ZOLEDRONIC ACID|RECLAST|V|Osteoporosis
ESTRADIOL|ESTRACE|O|Menopausal symptoms
ETONOGESTREL|NEXPLANON|D|Contraception
LEVONORGESTREL|MIRENA|W|Contraception
DROSPIRENONE\\ETHINYL ESTRADIOL|YAZ|O|Contraception
MEDROXYPROGESTERONE ACETATE|DEPO-PROVERA|M|Contraception
TESTOSTERONE|ANDROGEL|T|Blood testosterone decreased
TAMSULOSIN HYDROCHLORIDE|FLOMAX|O|Benign prostatic hyperplasia
FINASTERIDE|PROSCAR|O|Benign prostatic hyperplasia
SILDENAFIL CITRATE|VIAGRA|O|Erectile dysfunction
TADALAFIL|CIALIS|O|Erectile dysfunction
OXYBUTYNIN CHLORIDE|DITROPAN XL|O|Hypertonic bladder
MIRABEGRON|MYRBETRIQ|O|Hypertonic bladder
AMOXICILLIN|AMOXIL|O|Infection
AMOXICILLIN\\CLAVULANATE POTASSIUM|AUGMENTIN|O|Infection
AZITHROMYCIN|ZITHROMAX|O|Infection
CIPROFLOXACIN|CIPRO|O|Urinary tract infection
LEVOFLOXACIN|LEVAQUIN|O|Pneumonia
DOXYCYCLINE HYCLATE|VIBRAMYCIN|O|Infection
SULFAMETHOXAZOLE\\TRIMETHOPRIM|BACTRIM|O|Urinary tract infection
VANCOMYCIN HYDROCHLORIDE|VANCOCIN|V|Infection
CEFTRIAXONE SODIUM|ROCEPHIN|V|Infection
NITROFURANTOIN|MACROBID|O|Urinary tract infection
FLUCONAZOLE|DIFLUCAN|O|Fungal infection
VALACYCLOVIR HYDROCHLORIDE|VALTREX|O|Herpes zoster
OSELTAMIVIR PHOSPHATE|TAMIFLU|O|Influenza
CETIRIZINE HYDROCHLORIDE|ZYRTEC|O|Seasonal allergy
LORATADINE|CLARITIN|O|Seasonal allergy
DIPHENHYDRAMINE HYDROCHLORIDE|BENADRYL|O|Hypersensitivity
FLUTICASONE PROPIONATE|FLONASE|N|Seasonal allergy
HYDROCORTISONE|CORTEF|O|Adrenal insufficiency
METHYLPREDNISOLONE|MEDROL|O|Inflammation
TRIAMCINOLONE ACETONIDE|KENALOG-40|M|Arthritis
CLOBETASOL PROPIONATE|TEMOVATE|P|Psoriasis
CRISABOROLE|EUCRISA|P|Dermatitis atopic
ISOTRETINOIN|ABSORICA|O|Acne
LATANOPROST|XALATAN|E|Glaucoma
RANIBIZUMAB|LUCENTIS|X|Neovascular age-related macular degeneration
AFLIBERCEPT|EYLEA|X|Neovascular age-related macular degeneration
EPOETIN ALFA|EPOGEN|S|Anaemia
DARBEPOETIN ALFA|ARANESP|S|Anaemia
PEGFILGRASTIM|NEULASTA|S|Neutropenia
FILGRASTIM|NEUPOGEN|S|Neutropenia
FERROUS SULFATE|FEOSOL|O|Iron deficiency anaemia
CYANOCOBALAMIN|VITAMIN B12|O|Vitamin B12 deficiency
CHOLECALCIFEROL|VITAMIN D3|O|Vitamin D deficiency
CALCIUM CARBONATE|TUMS|O|Dyspepsia
MAGNESIUM OXIDE|MAG-OX|O|Hypomagnesaemia
POTASSIUM CHLORIDE|K-DUR|O|Hypokalaemia
FOLIC ACID|FOLIC ACID|O|Folate deficiency
OMEGA-3-ACID ETHYL ESTERS|LOVAZA|O|Hypertriglyceridaemia
NICOTINE|NICODERM CQ|T|Smoking cessation therapy
NAPROXEN SODIUM|ALEVE|O|Pain
CELECOXIB|CELEBREX|O|Osteoarthritis
MELOXICAM|MOBIC|O|Osteoarthritis
DICLOFENAC SODIUM|VOLTAREN|P|Arthralgia
CYCLOBENZAPRINE HYDROCHLORIDE|FLEXERIL|O|Muscle spasms
BACLOFEN|LIORESAL|O|Muscle spasticity
HUMAN IMMUNOGLOBULIN G|GAMMAGARD LIQUID|V|Common variable immunodeficiency
ECULIZUMAB|SOLIRIS|V|Paroxysmal nocturnal haemoglobinuria
ALTEPLASE|ACTIVASE|V|Ischaemic stroke
"""

ROUTES = {
    "O": "Oral",
    "S": "Subcutaneous",
    "V": "Intravenous (not otherwise specified)",
    "T": "Transdermal",
    "H": "Respiratory (inhalation)",
    "N": "Nasal",
    "M": "Intramuscular",
    "P": "Topical",
    "E": "Ophthalmic",
    "X": "Intravitreal",
    "D": "Subdermal",
    "W": "Intrauterine",
}
DOSE_FORMS = {
    "O": ("TABLET", "TABLET", "CAPSULE", "FILM-COATED TABLET", "TABLET, EXTENDED RELEASE", "ORAL SOLUTION"),
    "S": ("INJECTION", "SOLUTION FOR INJECTION", "SOLUTION FOR INJECTION IN PRE-FILLED SYRINGE", "INJECTION, SOLUTION"),
    "V": ("INJECTION", "SOLUTION FOR INFUSION", "POWDER FOR SOLUTION FOR INFUSION"),
    "T": ("TRANSDERMAL PATCH", "GEL"),
    "H": ("INHALATION POWDER", "INHALATION AEROSOL"),
    "N": ("NASAL SPRAY",),
    "M": ("INJECTION", "SUSPENSION FOR INJECTION"),
    "P": ("CREAM", "OINTMENT", "GEL"),
    "E": ("EYE DROPS, SOLUTION",),
    "X": ("SOLUTION FOR INJECTION",),
    "D": ("IMPLANT",),
    "W": ("INTRAUTERINE DEVICE",),
}
DOSE_UNITS = {"O": "MG", "S": "MG", "V": "MG", "T": "UG", "H": "UG", "N": "UG", "M": "MG", "P": "DF", "E": "GTT"}

# what reporters write when the FDA could not code the active ingredient (prod_ai stays empty)
UNCODED_DRUGS = (
    "BLOOD PRESSURE MEDICATION",
    "MULTIVITAMIN",
    "VITAMINS",
    "CHEMOTHERAPY",
    "INSULIN",
    "ANTIBIOTICS",
    "STEROIDS",
    "HERBAL SUPPLEMENT",
    "PAIN MEDICATION",
    "BIRTH CONTROL PILLS",
    "FISH OIL",
    "PROBIOTIC",
    "IRON SUPPLEMENT",
    "ALLERGY MEDICINE",
    "SLEEPING PILL",
    "EYE DROPS",
    "CBD OIL",
    "UNKNOWN DRUG",
    "CHOLESTEROL MEDICATION",
    "HEART MEDICATION",
)

# MedDRA preferred terms, most reported first (ranks drive the Zipf-like frequencies)
REACTION_TERMS: tuple[str, ...] = (
    "Drug ineffective",
    "Nausea",
    "Fatigue",
    "Headache",
    "Off label use",
    "Diarrhoea",
    "Death",
    "Dyspnoea",
    "Pain",
    "Dizziness",
    "Product use issue",
    "Vomiting",
    "Malaise",
    "Arthralgia",
    "Rash",
    "Pyrexia",
    "Pain in extremity",
    "Asthenia",
    "Pruritus",
    "Fall",
    "Pneumonia",
    "Weight decreased",
    "Cough",
    "Abdominal pain",
    "Drug hypersensitivity",
    "Condition aggravated",
    "Anxiety",
    "Insomnia",
    "Injection site pain",
    "Hypertension",
    "Back pain",
    "Alopecia",
    "Decreased appetite",
    "Oedema peripheral",
    "Urinary tract infection",
    "Constipation",
    "Feeling abnormal",
    "Myalgia",
    "Depression",
    "Chest pain",
    "Hypotension",
    "Weight increased",
    "Anaemia",
    "Muscle spasms",
    "Injection site erythema",
    "Tremor",
    "Hypoaesthesia",
    "Paraesthesia",
    "Gait disturbance",
    "Contusion",
    "Blood glucose increased",
    "Influenza",
    "Nasopharyngitis",
    "Sinusitis",
    "Somnolence",
    "Abdominal discomfort",
    "Dehydration",
    "Memory impairment",
    "Urticaria",
    "Erythema",
    "Vision blurred",
    "Abdominal pain upper",
    "Chills",
    "Hyperhidrosis",
    "Joint swelling",
    "Palpitations",
    "Hospitalisation",
    "Acute kidney injury",
    "Renal failure",
    "Sepsis",
    "Confusional state",
    "Syncope",
    "Atrial fibrillation",
    "Dyspepsia",
    "Infection",
    "Neuropathy peripheral",
    "Musculoskeletal pain",
    "Peripheral swelling",
    "Therapeutic response decreased",
    "Inappropriate schedule of product administration",
    "Incorrect dose administered",
    "Product quality issue",
    "Drug interaction",
    "Cerebrovascular accident",
    "Myocardial infarction",
    "Pulmonary embolism",
    "Deep vein thrombosis",
    "Stomatitis",
    "Dry mouth",
    "Dysgeusia",
    "Dysphagia",
    "Gastrooesophageal reflux disease",
    "Thrombocytopenia",
    "Neutropenia",
    "Febrile neutropenia",
    "Injection site reaction",
    "Leukopenia",
    "White blood cell count decreased",
    "Platelet count decreased",
    "Haemoglobin decreased",
    "Blood creatinine increased",
    "Hepatic enzyme increased",
    "Alanine aminotransferase increased",
    "Aspartate aminotransferase increased",
    "Liver function test abnormal",
    "Drug-induced liver injury",
    "Jaundice",
    "Pancreatitis",
    "Gastrointestinal haemorrhage",
    "Rectal haemorrhage",
    "Epistaxis",
    "Haematoma",
    "Haemorrhage",
    "Cellulitis",
    "Herpes zoster",
    "Bronchitis",
    "Upper respiratory tract infection",
    "Lower respiratory tract infection",
    "Respiratory tract infection",
    "Tuberculosis",
    "Pneumonia aspiration",
    "Septic shock",
    "Cardiac failure",
    "Cardiac failure congestive",
    "Cardiac arrest",
    "Tachycardia",
    "Bradycardia",
    "Loss of consciousness",
    "Seizure",
    "Migraine",
    "Vertigo",
    "Tinnitus",
    "Visual impairment",
    "Dry eye",
    "Eye pain",
    "Blindness",
    "Muscular weakness",
    "Mobility decreased",
    "Osteoarthritis",
    "Osteonecrosis of jaw",
    "Bone pain",
    "Fracture",
    "Hip fracture",
    "Psoriasis",
    "Colitis",
    "Dermatitis",
    "Dermatitis allergic",
    "Eczema",
    "Rash erythematous",
    "Rash pruritic",
    "Rash macular",
    "Rash papular",
    "Rash maculo-papular",
    "Skin exfoliation",
    "Dry skin",
    "Skin lesion",
    "Blister",
    "Skin ulcer",
    "Skin reaction",
    "Angioedema",
    "Swelling face",
    "Lip swelling",
    "Hypersensitivity",
    "Anaphylactic reaction",
    "Injection site swelling",
    "Injection site pruritus",
    "Injection site haematoma",
    "Injection site bruising",
    "Injection site mass",
    "Injection site urticaria",
    "Injection site rash",
    "Injection site induration",
    "Injection site warmth",
    "Injection site haemorrhage",
    "Erythema nodosum",
    "Stevens-Johnson syndrome",
    "Toxic epidermal necrolysis",
    "Drug reaction with eosinophilia and systemic symptoms",
    "Photosensitivity reaction",
    "Panniculitis",
    "Hyperglycaemia",
    "Hypoglycaemia",
    "Diabetes mellitus",
    "Hyponatraemia",
    "Hypokalaemia",
    "Hyperkalaemia",
    "Blood pressure increased",
    "Blood pressure decreased",
    "Heart rate increased",
    "Electrocardiogram QT prolonged",
    "Suicidal ideation",
    "Suicide attempt",
    "Completed suicide",
    "Depressed mood",
    "Agitation",
    "Hallucination",
    "Aggression",
    "Mood swings",
    "Abnormal dreams",
    "Nervousness",
    "Stress",
    "Crying",
    "Disturbance in attention",
    "Amnesia",
    "Dementia",
    "Dysarthria",
    "Aphasia",
    "Balance disorder",
    "Muscle twitching",
    "Sleep disorder",
    "Nightmare",
    "Hot flush",
    "Flushing",
    "Feeling hot",
    "Feeling cold",
    "Night sweats",
    "Peripheral coldness",
    "Irritability",
    "Pain of skin",
    "Skin burning sensation",
    "Swelling",
    "Oedema",
    "Generalised oedema",
    "Fluid retention",
    "Ascites",
    "Pleural effusion",
    "Pulmonary oedema",
    "Respiratory failure",
    "Interstitial lung disease",
    "Asthma",
    "Chronic obstructive pulmonary disease",
    "Wheezing",
    "Oropharyngeal pain",
    "Nasal congestion",
    "Rhinorrhoea",
    "Sneezing",
    "Throat irritation",
    "Dysphonia",
    "Hiccups",
    "Flatulence",
    "Abdominal distension",
    "Haematochezia",
    "Melaena",
    "Small intestinal obstruction",
    "Ileus",
    "Intestinal perforation",
    "Proteinuria",
    "Haematuria",
    "Dysuria",
    "Pollakiuria",
    "Urinary retention",
    "Urinary incontinence",
    "Nephrolithiasis",
    "Renal impairment",
    "Breast cancer",
    "Lung neoplasm malignant",
    "Malignant neoplasm progression",
    "Lymphoma",
    "Basal cell carcinoma",
    "Squamous cell carcinoma",
    "Product dose omission issue",
    "Product administered at inappropriate site",
    "Wrong technique in product usage process",
    "Device malfunction",
    "Accidental overdose",
    "Overdose",
    "Intentional overdose",
    "Drug abuse",
    "Drug dependence",
    "Withdrawal syndrome",
    "Treatment noncompliance",
    "Therapy cessation",
    "Therapy non-responder",
    "Adverse event",
    "Adverse drug reaction",
    "Illness",
    "Unevaluable event",
    "General physical health deterioration",
    "Multiple organ dysfunction syndrome",
    "Exposure during pregnancy",
    "Abortion spontaneous",
    "Premature baby",
    "Maternal exposure during pregnancy",
    "Hepatitis B reactivation",
    "Fungal infection",
    "Oral candidiasis",
    "Viral infection",
    "Staphylococcal infection",
    "Clostridium difficile colitis",
    "Arthritis",
    "Joint stiffness",
    "Musculoskeletal stiffness",
    "Neck pain",
    "Flank pain",
    "Tendonitis",
    "Rhabdomyolysis",
    "Blood creatine phosphokinase increased",
    "C-reactive protein increased",
    "International normalised ratio increased",
    "Hypothyroidism",
    "Lethargy",
    "Hypoacusis",
    "Conjunctivitis",
    "Cataract",
    "Visual acuity reduced",
    "Eye swelling",
    "Lacrimation increased",
    "Burning sensation",
    "Malnutrition",
)

# skin and injection-site terms of anakinra reports, with their weights
ANAKINRA_SKIN_TERMS: tuple[tuple[str, float], ...] = (
    ("Injection site reaction", 30.0),
    ("Injection site erythema", 18.0),
    ("Injection site pain", 12.0),
    ("Rash", 10.0),
    ("Urticaria", 8.0),
    ("Erythema", 7.0),
    ("Pruritus", 7.0),
    ("Injection site pruritus", 5.0),
    ("Injection site swelling", 5.0),
    ("Rash erythematous", 3.0),
    ("Injection site urticaria", 3.0),
    ("Panniculitis", 2.0),
    ("Angioedema", 1.0),
    ("Eczema", 1.0),
)
ANAKINRA_INDICATIONS = (
    "Rheumatoid arthritis",
    "Rheumatoid arthritis",
    "Still's disease",
    "Cryopyrin associated periodic syndrome",
    "Pericarditis",
    "Familial mediterranean fever",
    "Gout",
)

COUNTRIES: tuple[tuple[str, float], ...] = (
    ("US", 64.0),
    ("GB", 4.0),
    ("JP", 4.0),
    ("FR", 3.5),
    ("DE", 3.0),
    ("CA", 3.0),
    ("IT", 2.0),
    ("BR", 2.0),
    ("ES", 1.5),
    ("AU", 1.2),
    ("NL", 1.0),
    ("CN", 1.0),
    ("IN", 0.8),
    ("KR", 0.8),
    ("CH", 0.6),
    ("SE", 0.6),
    ("BE", 0.5),
    ("DK", 0.5),
    ("AT", 0.4),
    ("PL", 0.4),
    ("MX", 0.4),
    ("AR", 0.4),
    ("CO", 0.3),
    ("IE", 0.3),
    ("IL", 0.3),
    ("TR", 0.3),
    ("GR", 0.3),
    ("PT", 0.3),
    ("FI", 0.2),
    ("NO", 0.2),
    ("ZA", 0.2),
    ("TW", 0.2),
    ("NZ", 0.2),
    ("SG", 0.1),
    ("EG", 0.1),
)
AGENCIES = {"GB": "MHRA", "FR": "AFSSAPS", "DE": "BFARM", "JP": "PMDA", "CA": "HC", "IT": "AIFA", "ES": "AEMPS"}
COMPANIES: tuple[tuple[str, float], ...] = (
    ("PFIZER", 10.0),
    ("NOVARTIS", 8.0),
    ("ABBVIE", 8.0),
    ("AMGEN", 7.0),
    ("JANSSEN", 6.0),
    ("ROCHE", 6.0),
    ("SANOFI", 5.0),
    ("MERCK", 5.0),
    ("BRISTOL-MYERS SQUIBB", 5.0),
    ("ELI LILLY AND CO", 5.0),
    ("GLAXOSMITHKLINE", 4.0),
    ("ASTRAZENECA", 4.0),
    ("TEVA", 4.0),
    ("CELGENE", 3.0),
    ("BAYER", 3.0),
    ("BOEHRINGER INGELHEIM", 3.0),
    ("GILEAD", 3.0),
    ("NOVO NORDISK", 3.0),
    ("TAKEDA", 2.0),
    ("MYLAN", 2.0),
    ("SOBI", 0.5),
)
LITERATURE = (
    "CASE REPORT. J DERMATOL",
    "CLINICAL EXPERIENCE. ANN RHEUM DIS",
    "A CASE SERIES. BR J CLIN PHARMACOL",
    "RETROSPECTIVE STUDY. PHARMACOEPIDEMIOL DRUG SAF",
    "LETTER. N ENGL J MED",
)
AUTHORS = ("SMITH J", "MARTIN A", "TANAKA H", "MULLER K", "ROSSI M", "GARCIA L", "DUBOIS C", "NGUYEN T", "SILVA R")
OUTCOMES: tuple[tuple[str, float], ...] = (
    ("OT", 40.0),
    ("HO", 35.0),
    ("DE", 10.0),
    ("LT", 5.0),
    ("DS", 5.0),
    ("RI", 3.0),
    ("CA", 2.0),
)
REPORT_SOURCES: tuple[tuple[str, float], ...] = (
    ("FGN", 30.0),
    ("SDY", 20.0),
    ("LIT", 15.0),
    ("CSM", 15.0),
    ("HP", 12.0),
    ("UF", 4.0),
    ("CR", 2.0),
    ("DT", 2.0),
)

# roles of the drugs after the primary suspect: 0 PS, 1 SS, 2 C, 3 I
ROLE_CODES = ("PS", "SS", "C", "I")
PS, SS, CONCOMITANT, INTERACTING = range(4)

Picker = Callable[[], str]


def _parse_ingredients() -> tuple[tuple[str, str, str, str], ...]:
    rows = []
    for line in _INGREDIENTS.strip().splitlines():
        ingredient, brand, route, indication = line.split("|")
        rows.append((ingredient, brand, route, indication))
    return tuple(rows)


INGREDIENTS = _parse_ingredients()
# the index of anakinra in the per-row arrays: after the vocabulary, never drawn at random
ANAKINRA_INDEX = len(INGREDIENTS)


def faers_file_name(table: str, year: int, quarter: int) -> str:
    """The FDA's name for a table file of a quarter: `DEMO15Q1.txt`."""
    return f"{table}{year % 100:02d}Q{quarter}.txt"


def faers_zip_name(year: int, quarter: int) -> str:
    """The FDA's name for a quarter's zip: `faers_ascii_2015q1.zip`."""
    return f"faers_ascii_{year}q{quarter}.zip"


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def caseid_block(year: int, quarter: int) -> range:
    """The case ids a quarter hands out to new cases: disjoint from every other quarter's."""
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be 1 to 4, not {quarter}")
    if (year, quarter) < FIRST_QUARTER:
        raise ValueError(f"{year}Q{quarter}: FAERS quarters with case ids start in 2012Q4")
    index = (year - FIRST_QUARTER[0]) * 4 + quarter - FIRST_QUARTER[1]
    start = CASEID_BASE + index * CASEIDS_PER_QUARTER
    return range(start, start + CASEIDS_PER_QUARTER)


def is_anakinra_case(caseid: int) -> bool:
    """True for the case ids whose reports name anakinra as a suspect drug (every version of the case)."""
    return caseid % ANAKINRA_MODULUS == ANAKINRA_REMAINDER


def _anakinra_is_primary(caseid: int) -> bool:
    """Anakinra is the primary suspect in about 70% of its cases, a secondary suspect in the others."""
    return (caseid // ANAKINRA_MODULUS) % 10 < 7


MASK64 = (1 << 64) - 1


def _mix(caseid: int) -> int:
    """A well-spread 64-bit hash of a case id (splitmix64's finaliser)."""
    h = (caseid * 0x9E3779B97F4A7C15) & MASK64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & MASK64
    return h ^ (h >> 31)


def _first_seen(caseid: int, quarter_days: int) -> tuple[int, int, int]:
    """(version, fda_dt, init_fda_dt) of a case's first report in the quarter that handed out its id, the
    dates as days from that quarter's first day. Read from the case id alone, so that a follow-up written in a
    later quarter repeats the init_fda_dt its first report gave: 70% of new cases arrive as version 1 (then
    init_fda_dt = fda_dt), the others as version 2 or 3 of a case first received 30 to 900 days earlier."""
    h = _mix(caseid)
    draw = h % 100
    version = 1 if draw < 70 else (2 if draw < 90 else 3)
    fda = (h >> 8) % quarter_days
    init = fda if version == 1 else fda - 30 - (h >> 24) % 871
    return version, fda, init


def _cumulative(weights: Sequence[float]) -> list[float]:
    """Cumulative weights scaled to end at exactly 1.0, for `bisect(cum, rng.random())`."""
    total = float(sum(weights))
    cum = [w / total for w in accumulate(weights)]
    cum[-1] = 1.0
    return cum


def _picker(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> Picker:
    values = [value for value, _ in pairs]
    cum = _cumulative([weight for _, weight in pairs])
    draw = rng.random

    def pick() -> str:
        return values[bisect(cum, draw())]

    return pick


def _zipf(count: int, offset: float, exponent: float) -> list[float]:
    """Zipf-like cumulative weights of `count` ranks: rank r weighs 1 / (r + offset) ** exponent."""
    return _cumulative([1.0 / (rank + offset) ** exponent for rank in range(count)])


def _count_table(mean: float, most: int) -> list[float]:
    """Cumulative probabilities of 1..most (index 0 is 1) for a geometric count with the given mean."""
    ratio = 1.0 - 1.0 / mean
    return _cumulative([ratio**k for k in range(most)])


DRUG_COUNTS = _count_table(4.2, 40)
REACTION_COUNTS = _count_table(3.1, 30)
INGREDIENT_CUM = _zipf(len(INGREDIENTS), 5.0, 1.0)
REACTION_CUM = _zipf(len(REACTION_TERMS), 3.0, 0.9)


class _Quarter:
    """One quarter being written: the skeleton shared by the tables, then one row generator per table."""

    def __init__(
        self,
        year: int,
        quarter: int,
        n_reports: int,
        rng: random.Random,
        follow_ups: Sequence[tuple[int, int]],
        line_end: str,
    ) -> None:
        self.year, self.quarter, self.n = year, quarter, n_reports
        self.rng = rng
        self.end = line_end
        first, last = quarter_bounds(year, quarter)
        # day numbers index self.dates; day `self.q0` is the quarter's first day
        self.q0 = 4000
        self.q_days = (last - first).days + 1
        self.origin = first - dt.timedelta(days=self.q0)
        span = self.q0 + self.q_days + 1500
        self.dates = [(self.origin + dt.timedelta(days=d)).strftime("%Y%m%d") for d in range(span)]
        self.rows: dict[str, int] = dict.fromkeys(TABLES, 0)
        self._skeleton(follow_ups)

    # -- the skeleton -------------------------------------------------------------------------------------------

    def _skeleton(self, follow_ups: Sequence[tuple[int, int]]) -> None:
        """Case ids and versions (follow-ups first, then new cases, ascending), and each report's drugs."""
        rng, random_ = self.rng, self.rng.random
        block = caseid_block(self.year, self.quarter)
        latest: dict[int, int] = {}
        for caseid, version in follow_ups:
            if caseid >= block.start:
                raise ValueError(f"follow-up of case {caseid}: follow-ups are cases of earlier quarters")
            latest[caseid] = max(version, latest.get(caseid, 0))
        if len(latest) > self.n:
            raise ValueError(f"{len(latest)} follow-ups do not fit in {self.n} reports")
        if self.n > MAX_REPORTS:
            raise ValueError(f"at most {MAX_REPORTS} reports a quarter")
        self.caseids = array("q", sorted(latest))
        self.versions = array("H", (latest[c] + 1 for c in self.caseids))
        self.n_follow_ups = len(self.caseids)
        n_new = self.n - self.n_follow_ups
        n_anakinra = min(n_new, max(3, round(ANAKINRA_SHARE * self.n)))
        anakinra_at = set(rng.sample(range(n_new), n_anakinra))
        # gaps of 1 or 2 between case ids when they fit: the FDA's ids are not contiguous within a quarter
        room = len(block) - n_anakinra * ANAKINRA_MODULUS
        wide = n_new * 2 <= room
        caseid = block.start
        for i in range(n_new):
            caseid += 1 + (random_() < 0.5 if wide else 0)
            if i in anakinra_at:
                caseid += (ANAKINRA_REMAINDER - caseid) % ANAKINRA_MODULUS
            elif is_anakinra_case(caseid):
                caseid += 1
            self.caseids.append(caseid)
            self.versions.append(_first_seen(caseid, self.q_days)[0])
        if caseid >= block.stop:
            raise ValueError(f"{self.n} reports do not fit in the quarter's case ids")
        # drugs: offsets into the flat per-drug arrays, ingredient index and role of each drug row
        self.drug_start = array("L", [0])
        self.ingredient = array("H")
        self.role = bytearray()
        n_ingredients = len(INGREDIENTS)
        for caseid in self.caseids:
            count = 1 + bisect(DRUG_COUNTS, random_())
            anakinra = is_anakinra_case(caseid)
            primary = anakinra and _anakinra_is_primary(caseid)
            if anakinra and not primary and count < 2:
                count = 2
            anakinra_seq = 0 if primary else (1 + int(random_() * (count - 1)) if anakinra else -1)
            for seq in range(count):
                if seq == anakinra_seq:
                    self.ingredient.append(ANAKINRA_INDEX)
                    self.role.append(PS if seq == 0 else SS)
                    continue
                self.ingredient.append(min(bisect(INGREDIENT_CUM, random_()), n_ingredients - 1))
                if seq == 0:
                    self.role.append(PS)
                else:
                    draw = random_()
                    self.role.append(SS if draw < 0.22 else (INTERACTING if draw < 0.23 else CONCOMITANT))
            self.drug_start.append(len(self.role))
        # day number of each report's event, filled by the DEMO pass for THER
        self.event_day = array("l", [0]) * self.n

    def _ids(self, i: int) -> tuple[str, str]:
        """(primaryid, caseid) of report i, the `primaryid$caseid$` prefix of every row."""
        caseid = self.caseids[i]
        return f"{caseid}{self.versions[i]}", str(caseid)

    def _day(self, day: int) -> str:
        return self.dates[min(max(day, 0), len(self.dates) - 1)]

    def _partial(self, day: int) -> str:
        """A date at the precision reporters give: mostly the day, some only the month or the year."""
        draw = self.rng.random()
        text = self._day(day)
        return text if draw < 0.75 else (text[:6] if draw < 0.9 else text[:4])

    # -- the tables ---------------------------------------------------------------------------------------------

    def table(self, name: str) -> Iterator[tuple[int, str]]:
        """(reports done, text) chunks of one table, header first; counts its rows in self.rows."""
        yield 0, "$".join(COLUMNS[name]) + self.end
        yield from getattr(self, f"_{name.lower()}")()

    def _demo(self) -> Iterator[tuple[int, str]]:
        rng, random_, end, q0, q_days = self.rng, self.rng.random, self.end, self.q0, self.q_days
        country = _picker(rng, COUNTRIES)
        company = _picker(rng, COMPANIES)
        report_type = _picker(rng, (("EXP", 62.0), ("PER", 30.0), ("DIR", 8.0)))
        sex = _picker(rng, (("F", 55.0), ("M", 38.0), ("UNK", 2.0), ("", 5.0)))
        occupation = _picker(rng, (("MD", 35.0), ("CN", 30.0), ("HP", 15.0), ("PH", 8.0), ("OT", 7.0), ("", 5.0)))
        age_unit = _picker(rng, (("YR", 92.0), ("MON", 3.0), ("DEC", 2.0), ("DY", 2.0), ("WK", 1.0)))
        age_ranges = {"YR": (0, 95), "MON": (1, 23), "DEC": (1, 9), "DY": (1, 60), "WK": (1, 52)}
        years_per_unit = {"YR": 1.0, "MON": 1 / 12, "DEC": 10.0, "DY": 1 / 365.25, "WK": 7 / 365.25}
        dates, lines, rows = self.dates, [], 0
        for i in range(self.n):
            primaryid, caseid = self._ids(i)
            version = self.versions[i]
            if i < self.n_follow_ups:
                # a later version: received in this quarter, first received as its first report said
                first, last = quarter_bounds(*_quarter_of_caseid(self.caseids[i]))
                _, _, init = _first_seen(self.caseids[i], (last - first).days + 1)
                init = max(init + (first - self.origin).days, 0)
                fda = q0 + int(random_() * q_days)
            else:
                _, fda, init = _first_seen(self.caseids[i], q_days)
                fda, init = q0 + fda, q0 + init
            event = init - int(random_() * 400)
            self.event_day[i] = event
            draw = random_()
            event_dt = "" if draw < 0.12 else self._partial(event)
            kind = report_type()
            reporter = country()
            occurring = reporter if random_() < 0.95 else country()
            if kind == "DIR":
                mfr_dt = auth_num = mfr_num = mfr_sndr = lit_ref = ""
                e_sub, to_mfr = "N", "N" if random_() < 0.7 else "Y"
            else:
                sender = company()
                mfr_dt = dates[max(init, fda - int(random_() * 45))]
                mfr_num = f"{reporter}-{sender}-{self.year}{int(random_() * 1_000_000):06d}"
                mfr_sndr, e_sub, to_mfr = sender, "Y", ""
                auth_num = ""
                if reporter != "US" and kind == "EXP" and random_() < 0.15:
                    auth_num = f"{reporter}-{AGENCIES.get(reporter, 'HA')}-{int(random_() * 100_000_000):08d}"
                lit_ref = ""
                if kind == "EXP" and random_() < 0.03:
                    author = AUTHORS[int(random_() * len(AUTHORS))]
                    source = LITERATURE[int(random_() * len(LITERATURE))]
                    volume = 10 + int(random_() * 90)
                    page = 1 + int(random_() * 900)
                    lit_ref = f"{author}, ET AL. {source}. {self.year - 1};{volume}:{page}-{page + 4}."
            age = age_cod = age_grp = ""
            if random_() < 0.75:
                age_cod = age_unit()
                low, high = age_ranges[age_cod]
                if age_cod == "YR" and random_() < 0.85:
                    low = 18
                value = low + int(random_() * (high - low + 1))
                age = str(value)
                if random_() < 0.3:
                    age_grp = _age_group(value * years_per_unit[age_cod])
            wt = wt_cod = ""
            if random_() < 0.3:
                kilos = 40 + random_() * 80
                if random_() < 0.85:
                    wt, wt_cod = (f"{kilos:.2f}" if random_() < 0.3 else str(round(kilos))), "KG"
                else:
                    wt, wt_cod = str(round(kilos * 2.2046)), "LBS"
            fda_dt = dates[fda]
            lines.append(
                f"{primaryid}${caseid}${version}${'I' if version == 1 else 'F'}${event_dt}${mfr_dt}$"
                f"{dates[init]}${fda_dt}${kind}${auth_num}${mfr_num}${mfr_sndr}${lit_ref}${age}${age_cod}$"
                f"{age_grp}${sex()}${e_sub}${wt}${wt_cod}${fda_dt}${to_mfr}${occupation()}${reporter}$"
                f"{occurring}{end}"
            )
            rows += 1
            if len(lines) >= CHUNK_REPORTS:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["DEMO"] += rows
        yield self.n, "".join(lines)

    def _drug(self) -> Iterator[tuple[int, str]]:
        rng, random_, end = self.rng, self.rng.random, self.end
        dechal = _picker(rng, (("D", 35.0), ("U", 30.0), ("", 20.0), ("Y", 10.0), ("N", 5.0)))
        anakinra_dechal = _picker(rng, (("Y", 45.0), ("U", 20.0), ("N", 10.0), ("D", 10.0), ("", 15.0)))
        rechal = _picker(rng, (("D", 40.0), ("U", 35.0), ("", 20.0), ("N", 3.0), ("Y", 2.0)))
        frequency = _picker(
            rng, (("QD", 35.0), ("BID", 15.0), ("TID", 5.0), ("QW", 10.0), ("Q2W", 10.0), ("QM", 5.0), ("PRN", 5.0))
        )
        amounts = ("1", "2.5", "5", "10", "20", "25", "40", "50", "100", "150", "200", "250", "500", "1000")
        amount_cum = _zipf(len(amounts), 4.0, 0.6)
        nda = [f"{(k * 7919) % 190_000 + 10_000:06d}" for k in range(len(INGREDIENTS))]
        generics = [ingredient.replace("\\", " AND ") for ingredient, _, _, _ in INGREDIENTS]
        dates, lines, rows = self.dates, [], 0
        starts, ingredients, roles = self.drug_start, self.ingredient, self.role
        for i in range(self.n):
            primaryid, caseid = self._ids(i)
            prefix = f"{primaryid}${caseid}$"
            for position in range(starts[i], starts[i + 1]):
                seq = position - starts[i] + 1
                k, role = ingredients[position], roles[position]
                suspect = role <= SS
                if k == ANAKINRA_INDEX:
                    drugname, prod_ai, route_code, nda_num = ANAKINRA_BRAND, ANAKINRA, "S", "103950"
                    dechal_code = anakinra_dechal()
                else:
                    prod_ai, brand, route_code, _ = INGREDIENTS[k]
                    draw = random_()
                    drugname = brand if draw < 0.75 else generics[k]
                    nda_num = nda[k] if random_() < 0.55 else ""
                    if random_() < 0.05:
                        prod_ai = ""
                        drugname = UNCODED_DRUGS[int(random_() * len(UNCODED_DRUGS))] if draw < 0.6 else drugname
                    dechal_code = dechal()
                draw = random_()
                route = ROUTES[route_code] if draw < 0.88 else ("Unknown" if draw < 0.96 else "")
                dose_amt = dose_unit = dose_form = dose_freq = ""
                if random_() < 0.55:
                    dose_amt = amounts[bisect(amount_cum, random_())]
                    dose_unit = DOSE_UNITS.get(route_code, "DF")
                    forms = DOSE_FORMS[route_code]
                    dose_form = forms[int(random_() * len(forms))] if random_() < 0.7 else ""
                    dose_freq = frequency() if random_() < 0.75 else ""
                    draw = random_()
                    if draw < 0.004:
                        dose_vbm = f'{dose_amt} {dose_unit} "AS DIRECTED"'
                    elif draw < 0.75:
                        dose_vbm = f"{dose_amt} {dose_unit}, {dose_freq or 'UNK'}"
                    else:
                        dose_vbm = "UNK"
                else:
                    dose_vbm = "UNK" if random_() < 0.4 else ""
                cum_dose_chr = cum_dose_unit = ""
                if dose_amt and random_() < 0.12:
                    cum_dose_chr = f"{float(dose_amt) * (2 + int(random_() * 300)):g}"
                    cum_dose_unit = dose_unit
                lot_num = exp_dt = ""
                if suspect and random_() < 0.15:
                    lot_num = f"{chr(65 + int(random_() * 26))}{int(random_() * 100_000):05d}"
                    if random_() < 0.3:
                        exp_dt = dates[-1 - int(random_() * 700)][: 6 if random_() < 0.7 else 8]
                lines.append(
                    f"{prefix}{seq}${ROLE_CODES[role]}${drugname}${prod_ai}${'1' if random_() < 0.9 else '2'}$"
                    f"{route}${dose_vbm}${cum_dose_chr}${cum_dose_unit}${dechal_code}${rechal()}${lot_num}$"
                    f"{exp_dt}${nda_num}${dose_amt}${dose_unit}${dose_form}${dose_freq}{end}"
                )
                rows += 1
            if (i + 1) % CHUNK_REPORTS == 0:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["DRUG"] += rows
        yield self.n, "".join(lines)

    def _indi(self) -> Iterator[tuple[int, str]]:
        random_, end = self.rng.random, self.end
        indications = sorted({indication for _, _, _, indication in INGREDIENTS})
        probability = {PS: 0.95, SS: 0.8, CONCOMITANT: 0.42, INTERACTING: 0.5}
        lines, rows = [], 0
        starts, ingredients, roles = self.drug_start, self.ingredient, self.role
        for i in range(self.n):
            primaryid, caseid = self._ids(i)
            for position in range(starts[i], starts[i + 1]):
                if random_() >= probability[roles[position]]:
                    continue
                k = ingredients[position]
                draw = random_()
                if draw < 0.22:
                    term = UNKNOWN_INDICATION
                elif draw < 0.3:
                    term = indications[int(random_() * len(indications))]
                elif k == ANAKINRA_INDEX:
                    term = ANAKINRA_INDICATIONS[int(random_() * len(ANAKINRA_INDICATIONS))]
                else:
                    term = INGREDIENTS[k][3]
                lines.append(f"{primaryid}${caseid}${position - starts[i] + 1}${term}{end}")
                rows += 1
            if (i + 1) % CHUNK_REPORTS == 0:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["INDI"] += rows
        yield self.n, "".join(lines)

    def _outc(self) -> Iterator[tuple[int, str]]:
        rng, random_, end = self.rng, self.rng.random, self.end
        outcome = _picker(rng, OUTCOMES)
        lines, rows = [], 0
        for i in range(self.n):
            serious = 0.4 if is_anakinra_case(self.caseids[i]) else 0.5
            if random_() < serious:
                primaryid, caseid = self._ids(i)
                codes = [outcome()]
                while random_() < 0.42:
                    code = outcome()
                    if code not in codes:
                        codes.append(code)
                for code in codes:
                    lines.append(f"{primaryid}${caseid}${code}{end}")
                rows += len(codes)
            if (i + 1) % CHUNK_REPORTS == 0:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["OUTC"] += rows
        yield self.n, "".join(lines)

    def _reac(self) -> Iterator[tuple[int, str]]:
        rng, random_, end = self.rng, self.rng.random, self.end
        skin = _picker(rng, ANAKINRA_SKIN_TERMS)
        terms, cum, last = REACTION_TERMS, REACTION_CUM, len(REACTION_TERMS) - 1
        lines, rows = [], 0
        for i in range(self.n):
            primaryid, caseid = self._ids(i)
            count = 1 + bisect(REACTION_COUNTS, random_())
            chosen: list[str] = []
            if is_anakinra_case(self.caseids[i]) and random_() < 0.88:
                chosen.append("Injection site reaction" if random_() < 0.5 else skin())
                for _ in range((random_() < 0.5) + (random_() < 0.2)):
                    term = skin()
                    if term not in chosen:
                        chosen.append(term)
            while len(chosen) < count:
                term = terms[min(bisect(cum, random_()), last)]
                if term not in chosen:
                    chosen.append(term)
            for term in chosen:
                # the term again when the reaction recurred on readministration, in a few reports
                recurred = term if random_() < 0.01 else ""
                lines.append(f"{primaryid}${caseid}${term}${recurred}{end}")
            rows += len(chosen)
            if (i + 1) % CHUNK_REPORTS == 0:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["REAC"] += rows
        yield self.n, "".join(lines)

    def _rpsr(self) -> Iterator[tuple[int, str]]:
        rng, random_, end = self.rng, self.rng.random, self.end
        source = _picker(rng, REPORT_SOURCES)
        lines, rows = [], 0
        for i in range(self.n):
            if random_() < 0.05:
                primaryid, caseid = self._ids(i)
                lines.append(f"{primaryid}${caseid}${source()}{end}")
                rows += 1
            if (i + 1) % CHUNK_REPORTS == 0:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["RPSR"] += rows
        yield self.n, "".join(lines)

    def _ther(self) -> Iterator[tuple[int, str]]:
        rng, random_, end = self.rng, self.rng.random, self.end
        other_unit = _picker(rng, (("MON", 40.0), ("WK", 25.0), ("YR", 25.0), ("HR", 10.0)))
        probability = {PS: 0.6, SS: 0.4, CONCOMITANT: 0.16, INTERACTING: 0.3}
        lines, rows = [], 0
        starts, roles = self.drug_start, self.role
        for i in range(self.n):
            primaryid, caseid = self._ids(i)
            event = self.event_day[i]
            for position in range(starts[i], starts[i + 1]):
                if random_() >= probability[roles[position]]:
                    continue
                seq = position - starts[i] + 1
                periods = 2 if random_() < 0.08 else 1
                start = event - 1 - int(random_() * 900)
                for _ in range(periods):
                    start_dt = self._partial(start) if random_() < 0.92 else ""
                    end_dt = dur = dur_cod = ""
                    if random_() < 0.55:
                        stop = start + int(random_() * 400)
                        end_dt = self._partial(stop)
                        if len(start_dt) == 8 and len(end_dt) == 8 and random_() < 0.5:
                            dur, dur_cod = str(stop - start + 1), "DAY"
                        start = stop + 1 + int(random_() * 60)
                    elif random_() < 0.1:
                        dur, dur_cod = str(1 + int(random_() * 24)), other_unit()
                    lines.append(f"{primaryid}${caseid}${seq}${start_dt}${end_dt}${dur}${dur_cod}{end}")
                    rows += 1
            if (i + 1) % CHUNK_REPORTS == 0:
                yield i + 1, "".join(lines)
                lines.clear()
        self.rows["THER"] += rows
        yield self.n, "".join(lines)


def _quarter_of_caseid(caseid: int) -> tuple[int, int]:
    """The quarter whose block handed out a case id (the earliest quarter for ids below every block)."""
    index = max(caseid - CASEID_BASE, 0) // CASEIDS_PER_QUARTER
    months = FIRST_QUARTER[0] * 4 + FIRST_QUARTER[1] - 1 + index
    return months // 4, months % 4 + 1


def _age_group(years: float) -> str:
    """The FDA's age group: N neonate, I infant, C child, T adolescent, A adult, E elderly."""
    if years < 28 / 365.25:
        return "N"
    if years < 2:
        return "I"
    if years < 12:
        return "C"
    if years < 18:
        return "T"
    return "A" if years < 65 else "E"


# the relative cost of each pass, to turn the passes' progress into reports done
PASS_COST = {"DEMO": 2.0, "DRUG": 9.0, "INDI": 1.5, "OUTC": 0.3, "REAC": 2.5, "RPSR": 0.1, "THER": 1.6}


def write_faers_quarter(
    quarter_dir: Path,
    year: int,
    quarter: int,
    n_reports: int,
    rng: random.Random,
    *,
    zipped: bool,
    folder: str = "ascii",
    trailing_dollar: bool = False,
    follow_ups: Sequence[tuple[int, int]] = (),
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Write one FAERS quarter of `n_reports` reports under `quarter_dir`, as the FDA publishes it.

    zipped: `<quarter_dir>/faers_ascii_<year>q<quarter>.zip` holding `<folder>/DEMO<yy>Q<n>.txt` and the six
    other tables; otherwise the files go to `<quarter_dir>/<folder>/`. trailing_dollar ends every line, header
    included, with one more `$`. follow_ups: (caseid, caseversion) of earlier quarters' reports, each written
    again with the next version and i_f_code F; they count within n_reports. progress(reports_done) is called
    every 10,000 reports of work (the tables are written one after the other, so it tells the share of the
    whole quarter done, in reports) and once with n_reports at the end.

    Returns the rows written per table ({"DEMO": n, ...}) and the (caseid, caseversion) of every report
    written, for the next quarter's follow-ups.
    """
    if n_reports < 0:
        raise ValueError("n_reports must be 0 or more")
    writer = _Quarter(year, quarter, n_reports, rng, follow_ups, "$\n" if trailing_dollar else "\n")
    names = {table: f"{folder}/{faers_file_name(table, year, quarter)}" for table in TABLES}
    total_cost = sum(PASS_COST.values())
    done_cost = 0.0
    next_report = PROGRESS_EVERY

    def report(table: str, done: int) -> None:
        nonlocal next_report
        if progress is None:
            return
        position = int(n_reports * (done_cost + PASS_COST[table] * done / max(n_reports, 1)) / total_cost)
        while position >= next_report:
            progress(next_report)
            next_report += PROGRESS_EVERY

    quarter_dir.mkdir(parents=True, exist_ok=True)
    with _Members(quarter_dir, year, quarter, folder, zipped) as members:
        for table in TABLES:
            with members.open(names[table]) as handle:
                for done, text in writer.table(table):
                    handle.write(text.encode("utf-8"))
                    report(table, done)
            done_cost += PASS_COST[table]
    if progress is not None and next_report - PROGRESS_EVERY < n_reports:
        progress(n_reports)
    written = list(zip(writer.caseids, writer.versions, strict=True))
    return dict(writer.rows), written


class _Members:
    """Where a quarter's table files go: members of the quarter's zip, or files of an extracted folder."""

    def __init__(self, quarter_dir: Path, year: int, quarter: int, folder: str, zipped: bool) -> None:
        self.quarter_dir, self.folder, self.zipped = quarter_dir, folder, zipped
        # members carry a fixed time (the first day after the quarter), so a seed always gives the same bytes
        published = quarter_bounds(year, quarter)[1] + dt.timedelta(days=1)
        self.date_time = (published.year, published.month, published.day, 0, 0, 0)
        self.archive: zipfile.ZipFile | None = None
        if zipped:
            self.archive = zipfile.ZipFile(
                quarter_dir / faers_zip_name(year, quarter), "w", zipfile.ZIP_DEFLATED, compresslevel=1
            )
            directory = zipfile.ZipInfo(f"{folder}/", self.date_time)
            directory.external_attr = (0o40755 << 16) | 0x10
            self.archive.writestr(directory, b"")
        else:
            (quarter_dir / folder).mkdir(parents=True, exist_ok=True)

    def open(self, name: str) -> AbstractContextManager[IO[bytes]]:
        if self.archive is None:
            return (self.quarter_dir / name).open("wb")
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        # what ZipFile.open(str) sets from compresslevel; a ZipInfo must be told. typeshed leaves out this private
        # attribute (3.13 names it compress_level), which ZipFile reads on 3.11 and 3.12
        info._compresslevel = 1  # type: ignore[attr-defined]
        info.external_attr = 0o644 << 16
        return self.archive.open(info, "w")

    def __enter__(self) -> _Members:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.archive is not None:
            self.archive.close()


__all__ = [
    "COLUMNS",
    "TABLES",
    "caseid_block",
    "faers_file_name",
    "faers_zip_name",
    "is_anakinra_case",
    "write_faers_quarter",
]
