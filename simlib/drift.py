"""25(OH)D over the years: a person's level drifts around their lifelong mean.

Repeated-measure studies find that one person's 25(OH)D agrees less and less with
itself as the years between two blood draws grow: r = 0.75 within one year (US
radiologic technologists, Major et al. 2013), 0.73 over 3 years (ARIC whites,
McKibben et al. 2016), 0.61 over 5 years (WHI, Meng et al. 2012), 0.50 over 11 years
(HUNT, Mai et al.). A lifelong constant plus per-draw noise gives the same correlation
at any lag; those figures need a component that changes slowly within a person.

The world gives every person a **mean-reverting (Ornstein-Uhlenbeck) drift** ``Z(t)`` of
log 25(OH)D: stationary, unit variance, correlation ``exp(-|t - s| / drift_years)``
between ages ``t`` and ``s``. The measured level's long-term part is multiplied by
``exp(drift_log_sd * Z(t) - drift_log_sd**2 / 2)`` (mean preserved). The lifelong mean
``vitd_mean_nmol``, the causal exposure of the MS hazard, does not drift: a drift is
what a single blood draw gets wrong about a person's usual level (regression dilution;
Clarke et al. 1999), the lesson of notebook 04.

How it is computed
------------------
A design draws blood at any age it chooses (baseline, repeat samples, the day of
recruitment), so ``Z`` must be evaluated at arbitrary ages without simulating a path.
The world stores one 64-bit key per person (node ``vitd_drift_key``) and represents
``Z`` by random Fourier features (Rahimi & Recht 2007): ``Z(t) = sqrt(2/K) sum_k
cos(w_k t + phi_k)`` with ``K`` frequencies ``w_k`` drawn from a Cauchy distribution of
scale ``1 / drift_years`` (the spectral density of the exponential covariance) and
uniform phases ``phi_k``, all derived from the key with the SplitMix64 hash (Steele et
al. 2014). ``E[Z(t) Z(s)] = exp(-|t - s| / drift_years)`` exactly; with ``K = 8`` the
marginal distribution is close to normal (a sum of 8 independent cosines). A person's
drift at an age is the same whatever else is computed and whoever else is sampled.

References
----------
Major JM et al. Variability and reproducibility of circulating vitamin D in a nationwide
U.S. population. J Clin Endocrinol Metab 2013;98:97-104. doi:10.1210/jc.2012-2643
McKibben RA et al. Factors associated with change in 25-hydroxyvitamin D levels over
longitudinal follow-up in the ARIC study. J Clin Endocrinol Metab 2016;101:33-43.
doi:10.1210/jc.2015-1711
Meng JE et al. Intraindividual variation in plasma 25-hydroxyvitamin D measures 5 years
apart among postmenopausal women. Cancer Epidemiol Biomarkers Prev 2012;21:916-24.
doi:10.1158/1055-9965.EPI-12-0026
Mai XM, Naess M, Saetermo KS, Vikdal AJ, Sun YQ. Tracking of serum 25-hydroxyvitamin D
levels over 11 years in the Norwegian HUNT study (HUNT2 1995-97 to HUNT3 2006-08).
Society for Epidemiologic Research meeting abstract 226500.
Clarke R et al. Underestimation of risk associations due to regression dilution in
long-term follow-up of prospective studies. Am J Epidemiol 1999;150:341-53.
Rahimi A, Recht B. Random features for large-scale kernel machines. NIPS 2007.
Steele GL, Lea D, Flood CH. Fast splittable pseudorandom number generators. OOPSLA 2014.
"""

from __future__ import annotations

import numpy as np

#: Number of random Fourier features per person.
N_FEATURES = 8
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1


def drift_key(rng, n):
    """One 64-bit key per person, from which their drift path is derived (uint64)."""
    return rng.integers(0, np.iinfo(np.int64).max, n, dtype=np.int64).view(np.uint64)


def _uniform_pair(key, stream: int) -> tuple[np.ndarray, np.ndarray]:
    """Two uniform (0, 1) numbers per key for hash ``stream`` (the two 32-bit halves of
    SplitMix64's output)."""
    z = key + np.uint64(((stream + 1) * _GOLDEN) & _MASK)
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    high = (z >> np.uint64(40)).astype(np.float32)  # 24 bits: a float32's precision
    low = (z & np.uint64(0xFFFFFF)).astype(np.float32)
    return (high + 0.5) * np.float32(2.0 ** -24), (low + 0.5) * np.float32(2.0 ** -24)


def standard_drift(key, age, years: float) -> np.ndarray:
    """A person's standardized drift ``Z`` at ``age`` (mean 0, SD 1).

    Parameters
    ----------
    key : array of uint64
        The people's ``vitd_drift_key``.
    age : float or array
        Age (years) at which each person's drift is read.
    years : float
        Correlation time: ``corr(Z(t), Z(t + lag)) = exp(-lag / years)``.

    Returns
    -------
    numpy.ndarray
        ``Z`` (float64), one value per key. The trigonometry runs in float32 (about
        twice as fast; relative error near 1e-6, far below the drift's own size).
    """
    key = np.asarray(key, dtype=np.uint64)
    scaled_age = (np.asarray(age, dtype=np.float64) / years).astype(np.float32)
    total = np.zeros(key.shape, dtype=np.float32)
    for feature in range(N_FEATURES):
        u_frequency, u_phase = _uniform_pair(key, feature)
        u_frequency -= np.float32(0.5)
        u_frequency *= np.float32(np.pi)
        angle = np.tan(u_frequency, out=u_frequency)
        angle *= scaled_age
        u_phase *= np.float32(2.0 * np.pi)
        angle += u_phase
        total += np.cos(angle, out=angle)
    return total.astype(np.float64) * np.sqrt(2.0 / N_FEATURES)


def drift_factor(key, age, log_sd: float, years: float) -> np.ndarray:
    """Multiplier of the long-term 25(OH)D at ``age``: ``exp(log_sd Z - log_sd^2 / 2)``.

    Exactly 1 when ``log_sd`` is 0 (no drift: the level is a lifelong constant).
    """
    if log_sd == 0:
        return np.ones(np.broadcast_shapes(np.shape(key), np.shape(age)))
    return np.exp(log_sd * standard_drift(key, age, years) - log_sd ** 2 / 2)
