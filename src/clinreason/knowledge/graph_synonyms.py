"""A few common clinical names for Hetionet diseases that its Disease Ontology labels miss.

PharmacotherapyDB's drug and disease names (read with the graph) turn out to equal Hetionet's own,
so alone they add nothing; vignettes, though, write "type 2 diabetes", "COPD", "AIDS" or "chronic
kidney disease". All-capital abbreviations match only written in capitals (see graph_linking), so
"AIDS" never links inside "hearing aids". Keep this list short and unambiguous."""

from __future__ import annotations

HETIONET_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Disease::DOID:9352": ("type 2 diabetes", "type II diabetes", "type II diabetes mellitus", "T2DM"),
    "Disease::DOID:9744": ("type 1 diabetes", "type I diabetes", "type I diabetes mellitus", "T1DM"),
    "Disease::DOID:635": ("AIDS",),
    "Disease::DOID:3083": ("COPD",),
    "Disease::DOID:9074": ("SLE", "lupus"),
    "Disease::DOID:1094": ("ADHD", "attention-deficit/hyperactivity disorder"),
    "Disease::DOID:3393": ("coronary heart disease",),
    "Disease::DOID:784": ("chronic kidney disease", "chronic renal failure", "CKD"),
    "Disease::DOID:585": ("kidney stone", "renal calculi", "nephrolithiasis"),
    "Disease::DOID:332": ("ALS", "Lou Gehrig disease"),
    "Disease::DOID:12849": ("autism", "autism spectrum disorder"),
    "Disease::DOID:1595": ("major depressive disorder", "major depression"),
    "Disease::DOID:12236": ("primary biliary cholangitis",),
    "Disease::DOID:14221": ("metabolic syndrome",),
    "Disease::DOID:11612": ("PCOS",),
    "Disease::DOID:0050741": ("alcohol use disorder", "alcoholism"),
    "Disease::DOID:11119": ("Tourette syndrome",),
    "Disease::DOID:418": ("systemic sclerosis", "scleroderma"),
    "Disease::DOID:10871": ("macular degeneration",),
}
