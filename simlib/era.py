"""Calendar time: the survey year, birth years, and what changed with the calendar.

A population is a snapshot on a survey day in ``calendar.survey_year``; a person of
age ``a`` was born in ``survey_year - a``. Four things in the world depend on the
calendar, each on published surveys or registers by year:

* **Vitamin D supplements in the general population.** Use of vitamin D products other
  than multivitamins rose about four-fold in US adults from 1999-2000 (5.1%) to
  2011-2012 (19%) while multivitamin use (about 400 IU) fell slightly (37% to 31%;
  Kantor et al. 2016). Each person has an *adoption year* drawn from a logistic
  curve in calendar time (:func:`adoption_year`); a user whose dose is above
  ``pre_era_dose_iu`` takes only that dose in surveys before their adoption year.
  The dose enters the long-term 25(OH)D of the survey year, the MS exposure (a
  snapshot). A blood draw in another calendar year reads that year's dose
  (``supplement_era_change_nmol``, :func:`simlib.measure.true_level`), so repeated
  draws see users who adopted between them change level.
* **Vitamin D after an MS diagnosis.** Patients start supplements after diagnosis
  (``reverse_causation``) but not before their adoption year: patients diagnosed
  in the 1990s started only when the vitamin D era reached them, so a 1990s-2000s
  survey sees far fewer patients on high doses than a 2010s one (Jelinek et al.
  2015: 82% in 2012; Vickaryous et al. 2020). The same person-level adoption year
  is used (early adopters adopt early in both roles), ``patient_era_lag_years``
  later.
* **The female:male ratio by birth year**, which has risen for at least 50 years
  (Orton et al. 2006, 2010): the female hazard ratio changes by
  ``female_hr_trend_per_decade`` per decade of birth around
  ``female_hr_reference_birth_year`` (where ``ms.hr_female`` applies).
* **MS onset by calendar period.** Registered incidence in Hordaland rose from 1.9
  per 100,000 in 1953-57 to 7.2 in 1978-82 and 8.5 in 2003-07 (Grytten et al. 2016);
  European rates of 1985-2009 doubled with study midpoint year (Alcalde-Cabero et al.
  2013). The onset hazard carries a period log hazard ratio by calendar year
  (``onset_period_years``, ``onset_period_log_hr``; :mod:`simlib.period`), fitted so
  that, with the women's birth-cohort trend, the world's Hordaland reproduces the
  three periods. Net of that trend the fit puts 1978-82 slightly *above* 2003-07: in
  the world the later rise comes from the women's cohort trend, although Hordaland's
  own F:M ratio stayed between 1.2 and 1.8 with no clear trend (a tension between
  Orton's Canadian cohorts and this register that the world does not resolve).

References
----------
Kantor ED, Rehm CD, Du M, White E, Giovannucci EL. Trends in dietary supplement use
among US adults from 1999-2012. JAMA 2016;316:1464-74. doi:10.1001/jama.2016.14403
Orton SM et al. Sex ratio of multiple sclerosis in Canada: a longitudinal study.
Lancet Neurol 2006;5:932-6. doi:10.1016/S1474-4422(06)70581-6
Orton SM et al. Effect of immigration on multiple sclerosis sex ratio in Canada: the
Canadian Collaborative Study. J Neurol Neurosurg Psychiatry 2010;81:31-6.
Jelinek GA et al. Latitude, sun exposure and vitamin D supplementation. BMC Neurol
2015;15:132. doi:10.1186/s12883-015-0394-1
Grytten N, Aarseth JH, Lunde HMB, Myhr KM. A 60-year follow-up of the incidence and
prevalence of multiple sclerosis in Hordaland County, Western Norway. J Neurol
Neurosurg Psychiatry 2016;87:100-5. doi:10.1136/jnnp-2014-309906
Alcalde-Cabero E et al. Incidence of multiple sclerosis among European Economic Area
populations, 1985-2009: the framework for monitoring. BMC Neurol 2013;13:58.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .params import Section, param
from .special import expit, logit


@dataclass(frozen=True)
class CalendarParams(Section):
    """The survey's calendar year and the trends that depend on it (see :mod:`simlib.era`)."""

    section_name = "calendar"
    survey_year: float = param(2010.0, "calendar year", 1950.0, 2030.0,
                               "design choice (each design has a year option with the era "
                               "of the studies it stands for)",
                               "calendar year of the survey day; birth year = survey_year - "
                               "age")
    supplement_era_midyear: float = param(2005.0, "calendar year", 1950.0, 2050.0,
                                          "Kantor et al., JAMA 2016;316:1464 (NHANES: "
                                          "vitamin D other than multivitamins 5.1% in "
                                          "1999-2000, 19% in 2011-12); with "
                                          "supplement_era_years gives that rise",
                                          "year by which half of the people who would ever "
                                          "take high-dose vitamin D had started")
    supplement_era_years: float = param(4.0, "years", 0.5, 30.0, "as supplement_era_midyear",
                                        "logistic spread of the adoption years")
    pre_era_dose_iu: float = param(400.0, "IU/day", 0.0, 4000.0,
                                   "multivitamins carry about 400 IU (Kantor 2016; Rooney "
                                   "2017)",
                                   "dose a supplement user takes before their adoption year")
    patient_era_lag_years: float = param(3.0, "years", 0.0, 30.0,
                                         "assumption: the MS-specific case for vitamin D "
                                         "reached clinics with Munger et al., JAMA 2006 and "
                                         "the IOM review of 2010, after the general rise",
                                         "years after their own adoption year that a person "
                                         "with MS starts vitamin D")
    female_hr_trend_per_decade: float = param(1.16, "ratio per 10 birth years", 0.5, 2.0,
                                              "Orton et al., J Neurol Neurosurg Psychiatry "
                                              "2010;81:31 (F:M ratio rising 1.16-fold per "
                                              "decade of birth); Orton et al., Lancet Neurol "
                                              "2006;5:932",
                                              "change of the women's hazard ratio per decade "
                                              "of birth year (1 = no trend)")
    female_hr_reference_birth_year: float = param(1970.0, "calendar year", 1900.0, 2030.0,
                                                  "about the median birth year of the "
                                                  "incident cases in the calibration window "
                                                  "(diagnosed 2000-2010 at about 30-40), "
                                                  "where ms.hr_female is fitted to the F:M "
                                                  "of Alonso & Hernan 2008",
                                                  "birth year at which ms.hr_female holds")
    onset_period_years: tuple = param((1955.0, 1980.0, 2005.0), "calendar year", 1800.0,
                                      2100.0, "midpoints of the Hordaland register's periods "
                                      "1953-57, 1978-82 and 2003-07 (Grytten et al., J Neurol "
                                      "Neurosurg Psychiatry 2016;87:100)",
                                      "knots of the period effect on MS onset (strictly "
                                      "increasing)", length=3)
    onset_period_log_hr: tuple = param((-1.0886, 0.1581, 0.0), "log hazard ratio", -5.0, 5.0,
                                       "fitted (simlib.fitting.fit_period) to the Hordaland "
                                       "incidence of 1953-57, 1978-82 and 2003-07 (1.9, 7.2, "
                                       "8.5 per 100,000 person-years; Grytten et al. 2016) "
                                       "net of the women's birth-cohort trend; 0 at the last "
                                       "knot, the era of the incidence registers",
                                       "period log hazard ratio of MS onset at each knot "
                                       "(piecewise linear between, flat outside; all 0 = no "
                                       "period effect)", length=3)

    def check(self):
        years = self.onset_period_years
        if np.any(np.diff(years) <= 0):
            raise ParameterError(f"calendar.onset_period_years = {list(years)} is not "
                                 "allowed: use strictly increasing calendar years")


def birth_year(age, calendar: CalendarParams):
    """Calendar year of birth (fractional): the survey year minus age."""
    return calendar.survey_year - np.asarray(age)


def adoption_year(rng, n, calendar: CalendarParams):
    """Calendar year a person would start high-dose vitamin D (logistic in calendar time)."""
    u = np.clip(rng.random(n), 1e-12, 1 - 1e-12)
    return calendar.supplement_era_midyear + calendar.supplement_era_years * logit(u)


def era_share(year, calendar: CalendarParams):
    """Share of eventual high-dose users who have started by ``year`` (0 to 1)."""
    return expit((np.asarray(year, dtype=float) - calendar.supplement_era_midyear)
                 / calendar.supplement_era_years)


def dose_in_survey_year(dose_iu, supplement_adoption_year, calendar: CalendarParams):
    """A user's dose in the survey year: ``pre_era_dose_iu`` at most before adoption."""
    before = calendar.survey_year < supplement_adoption_year
    capped = np.minimum(dose_iu, calendar.pre_era_dose_iu)
    return np.where(before, capped, dose_iu)


def female_log_hr_trend(female, birth_year, calendar: CalendarParams):
    """Extra log hazard ratio of women born away from the reference birth year."""
    decades = (np.asarray(birth_year) - calendar.female_hr_reference_birth_year) / 10.0
    return np.log(calendar.female_hr_trend_per_decade) * decades * female
