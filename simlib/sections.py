"""The world's parameter sections: every mechanism's strength, with unit, range and source.

Each class is one ``[section]`` of a scenario file. Defaults are the ``null`` world;
the scenario files in ``data/scenarios/`` change only what differs. Sources are
abbreviated here; ``data/published/published-figures.csv`` has the full citations.
Hazard ratios (HR) are multiplicative effects on the MS onset hazard.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ParameterError
from .params import Section, param

AGE_BANDS = 16  # five-year bands 0-5, ..., 75-80 (rate of the last band continues)


@dataclass(frozen=True)
class PopulationParams(Section):
    """Demography: sex and mortality (a stationary population)."""

    section_name = "population"
    female_share: float = param(0.505, "proportion", 0.0, 1.0, "UN World Population Prospects",
                                "share of women")
    mortality_at_30: float = param(0.0006, "per year", 1e-5, 0.05,
                                   "Gompertz fit to a high-income life table (ONS 2018)",
                                   "background death hazard at age 30")
    mortality_slope: float = param(0.085, "per year of age", 0.01, 0.2,
                                   "Gompertz fit to a high-income life table (ONS 2018)",
                                   "log-rate increase of the death hazard per year of age")
    regions: str = param("all", "", source="design choice",
                         doc="which regions the population lives in (see world.REGION_GROUPS)",
                         choices=("all", "us", "europe", "north", "australia"))
    ms_mortality_hr: float = param(2.5, "hazard ratio", 1.0, 10.0,
                                   "Lunde et al., J Neurol Neurosurg Psychiatry 2017;88:621 "
                                   "(SMR 2.5, Norway)", "death hazard after MS onset vs others")


@dataclass(frozen=True)
class AncestryParams(Section):
    """Ancestry groups, northern-European ancestry and pigmentation (:mod:`simlib.ancestry`)."""

    section_name = "ancestry"
    concentration: float = param(8.0, "beta concentration", 0.5, 1000.0,
                                 "assumption: spread of admixture within a region",
                                 "higher = everyone in a region close to its mean ancestry")
    hla_carrier_low: float = param(0.10, "proportion", 0.0, 1.0,
                                   "controls in southern Europe: 11.2% carriers "
                                   "(J Neuroimmunol 2004;150:178)",
                                   "HLA-DRB1*15:01 carrier share of Europeans at northern "
                                   "ancestry 0")
    hla_carrier_high: float = param(0.30, "proportion", 0.0, 1.0,
                                    "northern European controls, about 25-30% carriers "
                                    "(Sturner et al. 2019)",
                                    "HLA-DRB1*15:01 carrier share of Europeans at northern "
                                   "ancestry 1")
    group_north_mean: tuple = param((0.15, 0.10, 0.05), "proportion", 0.01, 0.99,
                                    "assumption after admixture studies (African Americans "
                                    "about 20% European, Bryc et al. AJHG 2015; Hispanic "
                                    "European ancestry mostly Iberian)",
                                    "mean northern-European ancestry of the African, "
                                    "Hispanic and Asian groups", length=3)
    group_hla_carrier: tuple = param((0.12, 0.12, 0.14), "proportion", 0.0, 1.0,
                                     "control allele frequencies about 6-7% (Allele "
                                     "Frequency Net Database 2020; Oksenberg 2004)",
                                     "HLA-DRB1*15:01 carrier share of the African, Hispanic "
                                     "and Asian groups", length=3)
    group_dark_skin: tuple = param((0.90, 0.30, 0.20), "proportion", 0.0, 1.0,
                                   "assumption (share with Fitzpatrick skin types V-VI)",
                                   "share with darker skin in the African, Hispanic and "
                                   "Asian groups (Europeans: 0)", length=3)
    group_ms_hr: tuple = param((1.0, 0.5, 0.25), "hazard ratio", 0.01, 10.0,
                               "fitted to Langer-Gould et al., Neurology 2013 (Hispanic "
                               "0.42, Asian 0.20 times White incidence; African left at 1, "
                               "its contrast kept for validation)",
                               "residual MS hazard of the African, Hispanic and Asian "
                               "groups beyond HLA, sun and 25(OH)D", length=3)
    dark_skin_synthesis: float = param(0.25, "ratio", 0.05, 1.0,
                                       "Clemens et al., Lancet 1982;1:74 (pigment slows "
                                       "cutaneous synthesis)",
                                       "25(OH)D made per unit UVB, darker vs fair skin")


@dataclass(frozen=True)
class GeneticsParams(Section):
    """The four vitamin-D SNPs (GC, CYP2R1, DHCR7, CYP24A1) used in MR.

    Effects are per 25(OH)D-raising allele; together they explain about 5% of the
    variance of a single 25(OH)D measurement (Jiang 2018; Revez 2020).
    """

    section_name = "genetics"
    effect_nmol: tuple = param((6.5, 3.2, 3.2, 2.3), "nmol/L per raising allele", 0.0, 30.0,
                               "Wang et al., Lancet 2010;376:180; Mokry et al. 2015",
                               "GC, CYP2R1, DHCR7, CYP24A1 effects on 25(OH)D", length=4)
    allele_freq: tuple = param((0.70, 0.40, 0.75, 0.80), "proportion", 0.01, 0.99,
                               "European frequencies of the raising alleles (Wang 2010)",
                               "raising-allele frequency at ancestry 0.5", length=4)
    ancestry_shift: float = param(0.10, "change in allele frequency", 0.0, 0.3,
                                  "Kuan et al., J Steroid Biochem 2013 (latitude-linked "
                                  "selection at DHCR7/GC)",
                                  "raising-allele frequency at ancestry 1 minus at ancestry 0 "
                                  "(population stratification for MR)")
    pleiotropy_hr_per_allele: float = param(1.0, "hazard ratio", 0.5, 2.0,
                                            "teaching knob (default off)",
                                            "direct effect of each raising allele on MS, "
                                            "bypassing 25(OH)D")


@dataclass(frozen=True)
class BehaviourParams(Section):
    """Health consciousness, outdoor time, BMI, smoking, diet and supplements."""

    section_name = "behaviour"
    outdoor_hours_median: float = param(1.5, "hours/day", 0.1, 12.0,
                                        "time-use surveys (assumption)",
                                        "median daily time outdoors in daylight")
    outdoor_log_sd: float = param(0.25, "log hours", 0.0, 2.0, "assumption",
                                  "spread of outdoor time between people")
    bmi_median: float = param(22.0, "kg/m2", 15.0, 35.0, "Hedstrom et al. 2016 (BMI at 20)",
                              "median adolescent BMI")
    bmi_log_sd: float = param(0.17, "log kg/m2", 0.01, 0.5,
                              "gives about 3-4% adolescent obesity (Hedstrom 2016)",
                              "spread of adolescent BMI")
    bmi_health_effect: float = param(-0.03, "log kg/m2 per SD", -0.3, 0.3, "assumption",
                                     "health consciousness lowers BMI")
    smoking_share: float = param(0.22, "proportion", 0.0, 1.0, "WHO tobacco trends (adults)",
                                 "smokers at average health consciousness")
    smoking_health_log_or: float = param(-0.6, "log OR per SD", -3.0, 3.0, "assumption",
                                         "health consciousness and smoking")
    diet_median_iu: float = param(150.0, "IU/day", 0.0, 2000.0,
                                  "NHANES dietary intake of vitamin D (about 150-200 IU/day)",
                                  "median dietary vitamin D")
    diet_log_sd: float = param(0.6, "log IU/day", 0.0, 2.0, "assumption", "spread of diet")
    supplement_share: float = param(0.25, "proportion", 0.0, 1.0,
                                    "Rooney et al., JAMA 2017;317:2448 (NHANES)",
                                    "supplement users (before any MS) at average health "
                                    "consciousness")
    supplement_health_log_or: float = param(0.8, "log OR per SD", -3.0, 3.0, "assumption",
                                            "health consciousness and supplement use")
    supplement_doses_iu: tuple = param((400.0, 1000.0, 2000.0, 4000.0), "IU/day", 0.0, 50000.0,
                                       "Rooney 2017: 400-1000 IU common, >=4000 IU rare",
                                       "doses taken by users", length=4)
    supplement_dose_shares: tuple = param((0.45, 0.35, 0.15, 0.05), "proportion", 0.0, 1.0,
                                          "Rooney 2017", "share of users on each dose",
                                          length=4)

    def check(self):
        total = sum(self.supplement_dose_shares)
        if abs(total - 1.0) > 1e-6:
            raise ParameterError(
                f"behaviour.supplement_dose_shares = {list(self.supplement_dose_shares)} is not "
                f"allowed (sums to {total:g}): use shares that sum to 1")


@dataclass(frozen=True)
class InfectionParams(Section):
    """Epstein-Barr virus and infectious mononucleosis."""

    section_name = "infection"
    ebv_share: float = param(0.95, "proportion", 0.0, 1.0,
                             "Bjornevik et al., Science 2022 (about 5% seronegative)",
                             "share ever infected with EBV by early adulthood")
    im_share_at_45: float = param(0.12, "proportion", 0.0, 1.0,
                                  "Handel et al., PLoS One 2010 (background IM history)",
                                  "infectious mononucleosis among the infected at 45 degrees")
    im_log_or_per_degree: float = param(0.02, "log OR per degree", -0.2, 0.2,
                                        "later EBV infection at high latitude and affluence "
                                        "(Ascherio & Munger, Ann Neurol 2007)",
                                        "rise of IM with latitude")


@dataclass(frozen=True)
class SunParams(Section):
    """Ambient UVB, skin synthesis and the seasonal cycle of 25(OH)D."""

    section_name = "sun"
    uvb_decline_per_degree: float = param(0.05, "log UVB per degree", 0.0, 0.2,
                                          "vitamin-D-effective UVB climatology (TOMS); with "
                                          "sun_dose_exponent gives -0.69 nmol/L per degree "
                                          "in fair skin (Hagenau 2009)",
                                          "fall of ambient UVB with latitude")
    cloud_uvb_loss: float = param(0.5, "proportion", 0.0, 1.0, "assumption",
                                  "share of UVB removed at cloudiness 1")
    sun_nmol_reference: float = param(26.0, "nmol/L", 0.0, 200.0,
                                      "calibrated to Hagenau et al. 2009 (mean 54 nmol/L)",
                                      "25(OH)D from sun at UVB dose 1 with fair skin")
    sun_dose_exponent: float = param(0.4, "elasticity", 0.1, 1.0,
                                     "skin synthesis saturates with dose (Holick 2007)",
                                     "25(OH)D from sun grows as dose to this power")
    seasonal_fraction_per_degree: float = param(0.010, "per degree", 0.0, 0.05,
                                                "calibrated to Hypponen & Power 2007 and "
                                                "Klingberg 2015 (8 nmol/L per month)",
                                                "seasonal amplitude as a fraction of the sun "
                                                "component, per degree of latitude")
    peak_day: float = param(232.0, "day of year", 1.0, 365.0,
                            "Kasahara et al., PLoS One 2013 (peak August, trough February)",
                            "northern-hemisphere peak of 25(OH)D")


@dataclass(frozen=True)
class VitaminDParams(Section):
    """Long-term 25(OH)D: sun + oral intake (concave) + genes, scaled by BMI."""

    section_name = "vitamin_d"
    other_nmol: float = param(25.0, "nmol/L", 0.0, 100.0, "assumption (stores, other sources)",
                              "25(OH)D not from sun, diet, supplements or genes")
    oral_max_rise_nmol: float = param(183.0, "nmol/L", 10.0, 1000.0,
                                      "fitted to Ekwaru/Veugelers 2014 (12 per 1000 IU at "
                                      "0-1000, 1.1 at 15000-20000) and BEST-D 2017",
                                      "maximal rise of 25(OH)D from oral vitamin D")
    oral_half_dose_iu: float = param(4320.0, "IU/day", 100.0, 100000.0,
                                     "fitted as oral_max_rise_nmol",
                                     "oral dose giving half the maximal rise")
    oral_hill: float = param(2.0, "Hill coefficient", 0.5, 4.0,
                             "fitted as oral_max_rise_nmol (1 = Michaelis-Menten)",
                             "steepness of the dose-response; concave above "
                             "half_dose/sqrt(3) for a coefficient of 2")
    bmi_percent_per_unit: float = param(-1.15, "percent per kg/m2", -5.0, 0.0,
                                        "Vimaleswaran et al., PLoS Med 2013;10:e1001383",
                                        "change in 25(OH)D per kg/m2 of BMI above 22")
    person_log_sd: float = param(0.0, "log nmol/L", 0.0, 1.0,
                                 "0: the unexplained between-person variation (SD 22 "
                                 "nmol/L, Meng 2012) is carried by measurement.drift_log_sd, "
                                 "which changes over the years (0.16 before the drift)",
                                 "unexplained lifelong between-person variation")


@dataclass(frozen=True)
class MSParams(Section):
    """The MS onset hazard: baseline by age and the causes that multiply it."""

    section_name = "ms"
    baseline_per_100k: float = param(3.5678, "per 100,000 person-years", 0.0, 1000.0,
                                     "calibrated to Alonso & Hernan 2008 (women 3.6, men 2.0)",
                                     "onset hazard at the peak age for a reference person "
                                     "(man, EBV+, no other factor, 25(OH)D 50 nmol/L, "
                                     "UVB dose 1, latitude 45)")
    age_shape: tuple = param(
        (0.0, 0.01, 0.17, 0.75, 1.0, 0.92, 0.75, 0.56, 0.4, 0.26, 0.16, 0.1, 0.06, 0.03, 0.015,
         0.01), "relative", 0.0, 10.0,
        "age-specific incidence (Koch-Henriksen & Sorensen 2010); mean diagnosis age 32 "
        "(Walton 2020)", "relative baseline hazard in 5-year age bands 0-5 ... 75-80",
        length=AGE_BANDS)
    hr_female: float = param(2.3, "hazard ratio", 0.1, 10.0, "Alonso & Hernan 2008 (F:M 2.3)",
                             "women vs men")
    hr_hla: float = param(3.0, "hazard ratio", 0.1, 20.0, "Sturner 2019; OR about 3",
                          "HLA-DRB1*15:01 carriers vs non-carriers")
    hr_ebv: float = param(32.4, "hazard ratio", 1.0, 200.0, "Bjornevik et al., Science 2022",
                          "EBV infected vs never infected")
    hr_im: float = param(2.17, "hazard ratio", 0.1, 10.0, "Handel et al., PLoS One 2010",
                         "past infectious mononucleosis vs EBV without IM")
    hr_obesity: float = param(1.9, "hazard ratio", 0.1, 10.0, "Hedstrom et al. 2016",
                              "adolescent BMI >= 30 vs lower")
    hr_smoking: float = param(1.48, "hazard ratio", 0.1, 10.0, "Handel et al., PLoS One 2011",
                              "smokers vs non-smokers")
    uvb_hr_per_doubling: float = param(0.9, "hazard ratio", 0.1, 2.0,
                                       "Lucas et al., Neurology 2011;76:540; Hedstrom et al. "
                                       "2019 (sun acts partly without 25(OH)D)",
                                       "direct immune effect of doubling the UVB dose, "
                                       "not through 25(OH)D")
    latitude_hr_per_10_degrees: float = param(3.116, "hazard ratio", 0.1, 10.0,
                                              "calibrated to the incidence gradient "
                                              "(Scotland, Wales, Hordaland)",
                                              "unexplained latitude factors per 10 degrees "
                                              "above 45")
    latitude_floor_deg: float = param(30.0, "degrees", 0.0, 90.0,
                                      "the gradient is shallower in the subtropics "
                                      "(Queensland vs Tasmania about 1:3; Simpson 2011)",
                                      "latitude below which the unexplained factors stop "
                                      "falling")
    latitude_plateau_deg: float = param(51.0, "degrees", 20.0, 90.0,
                                        "register incidence levels off in the north: Wales "
                                        "52N 9.1, Scotland 57N 8.8, Hordaland 60N 8.5",
                                        "latitude above which the unexplained factors stop "
                                        "rising")
    vitd_hr_per_25nmol: float = param(1.0, "hazard ratio", 0.05, 2.0,
                                      "the question the suite examines: 1 = no effect; MR "
                                      "(Mokry 2015, Jacobs 2020) suggests below 1",
                                      "causal effect of +25 nmol/L long-term 25(OH)D")
    vitd_effect_shape: str = param("linear", "", source="scenario choice",
                                   doc="'linear' in 25(OH)D, or 'threshold': acts only below "
                                       "vitd_threshold_nmol", choices=("linear", "threshold"))
    vitd_threshold_nmol: float = param(50.0, "nmol/L", 5.0, 250.0, "IOM 2011 sufficiency",
                                       "level above which 25(OH)D has no effect (threshold "
                                       "shape)")
    delay_mean_years: float = param(2.0, "years", 0.0, 20.0,
                                    "Marrie et al. 2009; Atlas of MS 2020",
                                    "mean delay from onset to diagnosis (gamma)")
    delay_shape: float = param(1.5, "gamma shape", 0.2, 20.0, "assumption",
                               "shape of the diagnostic delay distribution")
    prodrome_min_years: float = param(5.0, "years", 0.0, 20.0,
                                      "Wijnands 2017; Disanto 2018; Bjornevik 2020",
                                      "shortest prodrome before onset")
    prodrome_max_years: float = param(10.0, "years", 0.0, 20.0, "Disanto et al. 2018",
                                      "longest prodrome before onset")

    def check(self):
        if self.latitude_plateau_deg < self.latitude_floor_deg:
            raise ParameterError(
                f"ms.latitude_plateau_deg = {self.latitude_plateau_deg:g} is not allowed: use a "
                f"value >= ms.latitude_floor_deg ({self.latitude_floor_deg:g})")
        if self.prodrome_max_years < self.prodrome_min_years:
            raise ParameterError(
                f"ms.prodrome_max_years = {self.prodrome_max_years:g} is not allowed: use a "
                f"value >= ms.prodrome_min_years ({self.prodrome_min_years:g})")
        if max(self.age_shape) <= 0:
            raise ParameterError("ms.age_shape is all zero: use at least one positive value")


@dataclass(frozen=True)
class ReverseCausationParams(Section):
    """How MS changes 25(OH)D: less sun after prodrome and onset, supplements after diagnosis."""

    section_name = "reverse_causation"
    prodrome_sun_loss: float = param(0.15, "proportion", 0.0, 1.0,
                                     "Wijnands et al., Lancet Neurol 2017 (fatigue, more "
                                     "health-care use before onset)",
                                     "share of sun-derived 25(OH)D lost during the prodrome")
    onset_sun_loss: float = param(0.25, "proportion", 0.0, 1.0,
                                  "assumption: disability and fatigue after onset",
                                  "share of sun-derived 25(OH)D lost after onset")
    heat_sensitive_share: float = param(0.58, "proportion", 0.0, 1.0, "BMC Neurol 2011;11:27",
                                        "people with MS who are heat sensitive")
    heat_sun_loss: float = param(0.3, "proportion", 0.0, 1.0, "assumption",
                                 "extra share of sun-derived 25(OH)D lost if heat sensitive")
    activity_disability_power: float = param(2.0, "elasticity", 0.0, 3.0,
                                             "more active MS, more disability and fatigue: "
                                             "less time outdoors (assumption; calibrated to "
                                             "Simpson et al., Ann Neurol 2010)",
                                             "sun loss after onset scales as disease activity "
                                             "to this power (0: unrelated)")
    supplement_share: float = param(0.82, "proportion", 0.0, 1.0,
                                    "Jelinek et al., BMC Neurol 2015;15:132",
                                    "people with MS who start vitamin D after diagnosis "
                                    "(at average health consciousness)")
    supplement_health_log_or: float = param(0.5, "log OR per SD", -3.0, 3.0,
                                            "Jelinek et al. 2015 (HOLISM: supplement users "
                                            "also exercise and eat more healthily); size "
                                            "assumed",
                                            "health consciousness and starting vitamin D "
                                            "after diagnosis (healthy-user effect)")
    supplement_doses_iu: tuple = param((2000.0, 4000.0, 5000.0), "IU/day", 0.0, 50000.0,
                                       "Jelinek 2015 (mostly 2000-5000 IU/day)",
                                       "doses started after diagnosis (equally likely)",
                                       length=3)
    relapse_vitd_drop_nmol: float = param(10.0, "nmol/L", 0.0, 60.0,
                                          "Soilu-Hanninen et al., J Neurol Neurosurg "
                                          "Psychiatry 2005;76:1463 (lower 25(OH)D during "
                                          "relapses); size assumed",
                                          "25(OH)D drop in a draw taken within the interval "
                                          "after a relapse (acute phase, less time outdoors)")
    uptake_mean_years: float = param(1.0, "years", 0.0, 10.0,
                                     "assumption: no published time-to-start; most patients "
                                     "take vitamin D within a few years (Jelinek 2015)",
                                     "mean time from diagnosis to starting supplements")
    disability_sun_loss_per_edss: float = param(0.03, "proportion per EDSS point", 0.0, 0.2,
                                                "van der Mei et al., J Neurol 2007;254:581 "
                                                "(less sun exposure and lower 25(OH)D with "
                                                "higher EDSS); size assumed",
                                                "extra share of sun-derived 25(OH)D lost per "
                                                "EDSS point of disability progression "
                                                "(simlib.disability)")


@dataclass(frozen=True)
class RelapseParams(Section):
    """Relapses after onset: a Poisson process with a spring peak."""

    section_name = "relapse"
    rate_at_onset: float = param(0.8, "relapses per year", 0.0, 5.0,
                                 "Steinvorth et al., Mult Scler 2013 (placebo ARR 0.4-0.8)",
                                 "annualized relapse rate at onset")
    halving_years: float = param(10.0, "years", 0.5, 100.0,
                                 "Tremlett et al., Neurology 2008 (ARR falls with duration)",
                                 "years for the relapse rate to halve")
    spring_amplitude: float = param(0.07, "relative", 0.0, 0.9,
                                    "Jin et al., J Neurol Sci 2000;181:56 (meta-analysis of "
                                    "nine reports of MS exacerbations: the highest season "
                                    "10% (7-13%) above the lowest); with peak_day, 0.068 "
                                    "gives that 10% between the world's highest (spring) "
                                    "and lowest (autumn) calendar seasons, rounded to 0.07 "
                                    "(simlib.history.relapse_season_range). Jin's lowest "
                                    "season was winter; the larger MSBase registry and the "
                                    "2022 meta-analysis put the trough in autumn, so the "
                                    "10% is taken as the size of the swing, not as a "
                                    "spring-winter contrast (which with a March peak would "
                                    "need an amplitude of 0.77)",
                                    "relative seasonal swing of the relapse rate")
    peak_day: float = param(66.0, "day of year", 1.0, 365.0,
                            "Spelman et al., Ann Neurol 2014;76:880 (MSBase, 32,762 "
                            "relapses in 30 countries: sine-regression peak about 7 March "
                            "in the north, 5 September in the south; the peak's shift with "
                            "latitude, 28.5 days per 10 degrees, is not modelled)",
                            "northern-hemisphere peak of relapses (early spring)")
    activity_log_sd: float = param(0.6, "log rate", 0.0, 2.0,
                                   "relapse counts are overdispersed between people "
                                   "(negative binomial in trial placebo arms); assumption",
                                   "spread of each person's disease activity (relapse-rate "
                                   "multiplier, mean 1)")
    health_rr_per_sd: float = param(0.9, "rate ratio per SD", 0.3, 1.5,
                                    "adherence to disease-modifying therapy: Tan et al., Adv "
                                    "Ther 2011;28:51 (adherent patients, relapse risk 29% "
                                    "lower); Steinberg et al., Clin Drug Investig 2010;30:89; "
                                    "size per SD assumed",
                                    "relapse rate ratio per SD of health consciousness "
                                    "(1 = no healthy-user effect)")
    vitd_rr_per_25nmol: float = param(1.0, "rate ratio", 0.05, 2.0,
                                      "1 = no effect (trials: Hanaei 2021 OR 0.66, 0.28-1.54)",
                                      "causal effect of +25 nmol/L current 25(OH)D on relapses")


@dataclass(frozen=True)
class MeasurementParams(Section):
    """How a blood draw sees 25(OH)D: within-person variation, assay error, lab bias."""

    section_name = "measurement"
    within_person_sd_nmol: float = param(4.0, "nmol/L", 0.0, 50.0,
                                         "Major et al., J Clin Endocrinol Metab 2013;98:97 "
                                         "(two draws within a year, mostly in different "
                                         "seasons: r 0.75, together with season and assay)",
                                         "short-term (weeks to months) variation around the "
                                         "person's current level, beyond season")
    assay_cv: float = param(0.10, "proportion", 0.0, 0.5, "Wise et al. 2021 (VDSP)",
                            "assay coefficient of variation")
    lab_bias_factor: float = param(1.0, "ratio", 0.3, 2.0,
                                   "Snellman et al. 2010 (LC-MS 85, RIA 70, CLIA 60 nmol/L)",
                                   "method/lab bias: measured / true (1 = LC-MS reference)")
    drift_log_sd: float = param(0.20, "log nmol/L", 0.0, 1.0,
                                "fitted with drift_years to the repeated-measure correlations "
                                "of ARIC (McKibben et al., J Clin Endocrinol Metab "
                                "2016;101:33: r 0.73 over 3 years), WHI (Meng et al., Cancer "
                                "Epidemiol Biomarkers Prev 2012;21:916: r 0.61 over 5 years) "
                                "and HUNT (Mai et al., SER abstract 226500: r 0.50 over 11 "
                                "years), with the supplement era in each draw's year; kept "
                                "small enough that the between-person spread (NHANES share "
                                "at 30-49 nmol/L, Looker et al. 2011; UK 45-year-olds in "
                                "summer, Hypponen & Power 2007) holds",
                                "SD of the long-term drift of log 25(OH)D within a person "
                                "(simlib.drift; 0 = a lifelong constant)")
    drift_years: float = param(6.0, "years", 0.1, 100.0, "as drift_log_sd",
                               "correlation time of the drift: two levels lag years apart "
                               "correlate exp(-lag / drift_years)")
