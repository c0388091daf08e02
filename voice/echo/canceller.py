"""Line echo canceller for FXO ports: what we send to the line comes back through the
2-wire/4-wire hybrid; this removes it from what we receive.

Structure (per 20 ms block of 160 samples):

- Two models of the echo path (`voice.echo.twopath`, filters in `voice.echo.mdf`): a
  background that learns and a foreground that makes the output. The background is copied
  into the foreground only while it cancels better in single talk, or, while talk is
  suspected, only if it removes most of what was received (an echo path change).
- Two ways the background learns. While a path is new (after a reset, or once a path
  that cancelled well stops cancelling: a transfer, or talk), a least-squares fit of the
  path over the last two seconds every 100 ms (`voice.echo.new_path`), confined to the
  32 ms where the path lies; in between and afterwards, the partitioned
  frequency-domain (MDF) normalised step.
- A Geigel double-talk detector on the raw near end: a sample above half the far-end peak
  of the last tail can't be echo (the hybrid loses at least 6 dB), so learning stops, with
  a hangover. It looks at what was received, not at what the model leaves: a model that
  had learnt part of the near end would otherwise hide the talk that taught it. For a
  hybrid whose echo the model shows to peak higher, the threshold rises, up to −3 dB.
- A per-bin gate on learning: a frequency bin where the near end carries more power than
  the far end put into it over the tail holds near-end signal, not echo, and does not
  adapt. Without it, bins the far end barely excites (a tone's G.711 distortion products)
  learn huge gains that cancel a near-end tone locked to them, whatever its level.
- A non-linear processor: during far-end single talk it replaces the residual echo with
  comfort noise matched to the line's background; near-end speech (Geigel, or a residual
  well above what the echo model leaves) opens it at once. It acts only once the linear
  model takes NLP_MIN_ERLE_DB off the echo: before that, or when something the detectors
  miss keeps the residual high, what is left is not a residual echo it may remove.
- A modem bypass (`disable_for_modem`, for 2100 Hz with phase reversals): the near end
  passes untouched until both directions have been quiet for MODEM_RELEASE_MS.

Why a least-squares fit (measured on recorded speech, the English prompts of
asterisk-core-sounds, over the G.168 Annex D paths D.2-D.9 at ERL 6/10/20 dB with
−65 dBm0 noise, linear part; `tests/voice/echo/`): the MDF alone converges in seconds on
speech, because each block only corrects the directions it happened to excite: 2-9 dB over
the first second, 10-23 dB over seconds 1-4 (7-18 dB in their worst half second), 30 dB
only after 5 s or more. Per-bin
normalisation already whitens, so a fixed pre-whitening filter changes nothing;
proportionate steps across partitions (IPNLMS-like) made it diverge; a per-bin Newton
step over the partitions' cross-power converged slower; a smaller or ERLE-driven step
steadied the end state but slowed the start and broke re-convergence. The least-squares
solution over the history uses everything heard at once: 30 dB over every second from
the first on for every path and ERL on the first excerpt, 35-50 dB once a couple of
seconds were heard; on other excerpts D.8 at ERL 20 (speech 27 dB down, 23 dB above the
noise) sometimes falls to 26-29 dB in its second second. Fits are tried as the background,
so one that took near-end talk for echo never reaches the output; a far end of a few
tones (no information about the rest of the band) is never fitted.

Cost (`make bench`: CPU time per channel-second, NLP and comfort noise on, beside spandsp's
canceller timed from C in the same run). At these sizes a numpy call costs about as much
as its arithmetic, so the per-block work is counted in calls: both models' estimates come
from one multiply-and-sum and one inverse FFT (one of each while the models are equal, which
they often are in double talk), the far-end block is written straight into the frame the FFT
takes, the far-end power per bin is a running sum, the received and error spectra share one
transform, the three talk tests are one comparison of stacked levels against stacked
thresholds, the talk hangover per sample is worked out only when the NLP needs it, the
residual envelope is a cumulative sum, error energies are computed once, and comfort noise
is synthesised eight blocks at a time. A model that cancels HALF_RATE_ERLE_DB outside the
fits adapts on every other block: it only tracks then. A fit is 0.4-0.7 ms (64 taps, 1.5 ms
at 256). Figures on the 2-core x86 bench machine, per channel-second: at a 64 ms tail
4.5-4.7 ms once learnt and 7.2-7.5 ms over a call's first four seconds (fitting a new path),
against spandsp's 4.2-6.5 in the same runs; at 128 ms 4.6 and 7.7-8.2 against 7.3-11.3. In
the engine bench's permanent double talk it takes about 60 µs a block. Written without
counting calls, the same algorithm cost 11-13 ms learnt and 15-20 ms learning. Measured
and rejected, as they cost the recorded-speech figures their margin: half-rate adaptation
while fitting (double talk: ERLE 3.1 dB below what it was before the talk, 3 allowed),
and fewer fits (see `voice.echo.new_path`).

Any block length is accepted: the output for each sample uses the model as it stood at the
start of its 160-sample block, so results do not depend on how the audio is split (to
floating-point rounding). Aligned 160-sample frames take the fast path.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass

import numpy as np

from voice.level import SAMPLE_RATE_HZ, dbm0_to_amplitude, dbm0_to_power

from .comfort import ComfortNoise
from .mdf import FarEndSpectra
from .new_path import NewPathFitter
from .twopath import TwoPathModel

log = logging.getLogger(__name__)

FRAME_SAMPLES = 160
DEFAULT_TAIL_MS = 64
MAX_TAIL_MS = 256

STEP = 0.5  # background step, normalised per frequency bin over all partitions
NORMALISER_FLOOR_DB = -6.0  # weaker bins adapt as if they were this far below the mean
REGULARISATION_DBM0 = -70.0
ADAPT_MIN_DBM0 = -55.0  # far-end block level below which the model learns nothing
GEIGEL_RATIO = 0.5  # near-end above half the far-end peak: double talk (hybrid ERL ≥ 6 dB)
GEIGEL_MAX_RATIO = 10.0 ** (-3.0 / 20.0)  # ... raised, up to this, for hotter hybrids
GEIGEL_MARGIN = 1.25  # above the largest echo peak (÷ far-end peak) the model predicts
GEIGEL_DECAY_PER_BLOCK = 10.0 ** (-1.0 / 20.0 / 50.0)  # that peak is forgotten at 1 dB/s
ECHO_DOMINATED_DB = 10.0  # blocks the model cancels this well show the echo's peaks
NEAR_BIN_GATE = 1.0  # near-end bin power above this × the far end's over the tail: no echo
NEAR_MIN_DBM0 = -45.0  # near-end peaks below this (as a sine) never count as talk
FAR_ACTIVE_DBM0 = -45.0  # far-end peaks above this (as a sine) make the NLP consider echo
HANGOVER_MS = 40.0
TALK_COPY_ERLE_DB = 10.0  # while talk is suspected, the background must cancel this much
RESIDUAL_MARGIN = 3.0  # residual envelope this far above the learnt echo residual = talk
RESIDUAL_RISE_PER_BLOCK = 10.0 ** (0.5 / 20.0)
RESIDUAL_ENVELOPE_MS = 4.0
NLP_MIN_ERLE_DB = 20.0  # the NLP only acts while the linear model removes this much
NLP_RAMP_STEP = 1.0 / 8.0  # NLP gain change per sample: a full swing takes 1 ms
ERLE_SMOOTHING = 0.8
HALF_RATE_ERLE_DB = 30.0  # once the model cancels this much, it adapts every other block
CONVERGED_BLOCKS = 50  # a second of far-end single talk before ERL and ERLE are reported
MODEM_RELEASE_MS = 250.0
MODEM_QUIET_DBM0 = -36.0


@dataclass(frozen=True)
class EchoStats:
    """What the canceller is doing, for status pages and tests."""

    erle_db: float  # echo return loss enhancement of the linear canceller (0 until measured)
    double_talk: bool
    nlp_active: bool
    bypassed: bool  # disabled for a modem/fax call
    erl_db: float = 0.0  # echo return loss of the line's hybrid (0 until measured)
    converged_erle_db: float = 0.0  # ERLE over the call once converged (0 until then)


class EchoCanceller:
    """Line echo canceller: `process(far_end, near_end) -> near_end without the echo`.

    far end = what we send to the line; near end = what comes back from it. Both int16 at
    8 kHz, equal lengths, any length per call. `tail_ms` is the longest echo the model
    covers (delay plus dispersion of the hybrid), 64 ms by default, 128 ms for long lines.
    """

    def __init__(
        self,
        tail_ms: float = DEFAULT_TAIL_MS,
        *,
        nlp: bool = True,
        comfort_noise: bool = True,
        seed: int = 0x5EED,
    ) -> None:
        if not 0 < tail_ms <= MAX_TAIL_MS:
            raise ValueError(f"echo tail must be 1..{MAX_TAIL_MS} ms, got {tail_ms}")
        self.tail_ms = tail_ms
        self.nlp_enabled = nlp
        self.comfort_noise_enabled = comfort_noise
        block = FRAME_SAMPLES
        self.block = block
        self.partitions = math.ceil(tail_ms * SAMPLE_RATE_HZ / 1000.0 / block)
        self._spectra = FarEndSpectra(block, self.partitions)
        self._paths = TwoPathModel(block, self.partitions)
        fit_taps = min(round(tail_ms * SAMPLE_RATE_HZ / 1000.0), self.partitions * block)
        self._fitter = NewPathFitter(fit_taps, block, self._paths)
        self._comfort = ComfortNoise(block, seed)
        self._regularisation = 2 * block * dbm0_to_power(REGULARISATION_DBM0)
        self._adapt_min_power = dbm0_to_power(ADAPT_MIN_DBM0)
        self._near_min_peak = dbm0_to_amplitude(NEAR_MIN_DBM0)
        self._far_active_peak = dbm0_to_amplitude(FAR_ACTIVE_DBM0)
        self._hangover = round(HANGOVER_MS * SAMPLE_RATE_HZ / 1000.0)
        self._modem_release = round(MODEM_RELEASE_MS * SAMPLE_RATE_HZ / 1000.0)
        self._modem_quiet_power = dbm0_to_power(MODEM_QUIET_DBM0)
        self._levels = np.zeros((3, block))  # |near|, residual envelope, |residual|
        self._threshold_scales = np.zeros((3, 1))  # Geigel ratio, residual margin, 0
        self._threshold_floors = np.array([[self._near_min_peak], [0.0], [self._near_min_peak]])
        # The residual's envelope, y[n] = r·y[n−1] + (1 − r)·|e[n]|, for a block at once:
        # y[n] = rⁿ·(r·y[−1] + Σₖ (1 − r)·r⁻ᵏ·|e[k]|), one cumulative sum (r⁻¹⁶⁰ ≈ 150).
        decay = math.exp(-1.0 / (RESIDUAL_ENVELOPE_MS * SAMPLE_RATE_HZ / 1000.0))
        powers = decay ** np.arange(block)
        self._envelope_decay = decay
        self._envelope_in = (1.0 - decay) / powers
        self._envelope_out = powers
        self.reset()

    # --- public API -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the echo path and every measurement (a new call on the line)."""
        self._spectra.reset()
        self._paths.reset()
        self._fitter.reset()
        self._comfort.reset()
        block = self.block
        self._fill = 0
        self._far = self._spectra.current  # the block being filled (the spectra's frame)
        self._near = np.zeros(block)
        self._error = np.zeros(block)  # the foreground's output before the NLP
        self._echo = np.zeros(block)  # foreground estimate for the current block
        self._background_echo = np.zeros(block)  # background estimate for the block
        self._pushed = False  # the block's far-end spectrum is already the newest partition
        self._one_estimate = False  # both models' estimates of the block were one
        # far-end |peak| of recent blocks, newest first (a few floats: a list is cheaper)
        self._block_peaks = [0.0] * self.partitions
        self._tail_peak = 0.0  # their largest
        self._peak_in_block = 0.0  # far-end |peak| of the current block so far
        self._position = 0  # samples processed since reset
        self._talk_until = -1  # double talk holds until this sample (exclusive)
        self._geigel_until = -1  # the same, for the Geigel test alone
        # Until the model has shown how high this hybrid's echo peaks, the Geigel threshold
        # allows for the hottest hybrid, so that learning is not stalled on it.
        self._geigel_ratio = GEIGEL_MAX_RATIO
        self._echo_peaks_known = False
        self._echo_peak_ratio = 0.0  # largest echo peak ÷ far-end peak the model predicts
        self._geigel_in_block = False
        self._talk_in_block = False
        self._envelope_state = 0.0
        self._nlp_gain = 1.0
        self._noise_block: np.ndarray | None = np.zeros(block)
        self._residual_ratio = 1.0  # residual envelope / far-end peak in single talk
        self._near_power = 0.0
        self._error_power = 0.0
        self._measured_blocks = 0  # blocks of far-end single talk measured
        # Energies summed over the call's far-end single talk (ERL), and once converged
        # (ERLE): the line's figures for the call, not the last moment's.
        self._call_far = self._call_near = 0.0
        self._converged_near = self._converged_error = 0.0
        self._bypassed = False
        self._quiet_samples = 0
        self._nlp_active = False
        self._adapt_skipped = True  # the last far-end block was not adapted on

    def disable_for_modem(self) -> None:
        """Pass the near end through untouched (2100 Hz answer tone with phase reversals).

        The canceller re-enables itself once both directions have been below
        MODEM_QUIET_DBM0 for MODEM_RELEASE_MS, or when `enable()` is called.
        """
        if not self._bypassed:
            log.info("echo canceller disabled for a modem/fax call")
        self._bypassed = True
        self._quiet_samples = 0

    def enable(self) -> None:
        """Cancel echo again after `disable_for_modem()`."""
        if self._bypassed:
            log.info("echo canceller re-enabled")
        self._bypassed = False

    @property
    def erle_db(self) -> float:
        """Echo return loss enhancement of the linear canceller, smoothed, in dB."""
        if self._near_power <= 0.0 or self._error_power <= 0.0:
            return 0.0
        return 10.0 * math.log10(self._near_power / self._error_power)

    @property
    def erl_db(self) -> float:
        """Echo return loss of the line (far-end over received energy in far-end single
        talk), over the call so far, in dB: a badly matched hybrid shows as a low figure."""
        if self._call_far <= 0.0 or self._call_near <= 0.0:
            return 0.0
        return 10.0 * math.log10(self._call_far / self._call_near)

    @property
    def converged_erle_db(self) -> float:
        """ERLE of the linear canceller over the call since it converged, in dB."""
        if self._converged_near <= 0.0 or self._converged_error <= 0.0:
            return 0.0
        return 10.0 * math.log10(self._converged_near / self._converged_error)

    @property
    def converged(self) -> bool:
        """The linear model has measured the line: ERL and ERLE are meaningful."""
        return self._measured_blocks >= CONVERGED_BLOCKS

    @property
    def stats(self) -> EchoStats:
        return EchoStats(
            erl_db=self.erl_db,
            converged_erle_db=self.converged_erle_db,
            erle_db=self.erle_db,
            double_talk=self._position < self._talk_until,
            nlp_active=self._nlp_active,
            bypassed=self._bypassed,
        )

    def echo_path(self) -> np.ndarray:
        """The current echo path model as an impulse response (taps at 8 kHz)."""
        return self._paths.foreground.impulse_response()

    def process(self, far_end: np.ndarray, near_end: np.ndarray) -> np.ndarray:
        """Remove the echo of `far_end` from `near_end`; returns int16 of the same length."""
        far = np.asarray(far_end)
        near = np.asarray(near_end)
        if far.ndim != 1 or near.ndim != 1:
            far, near = far.ravel(), near.ravel()
        if far.size != near.size:
            raise ValueError(
                f"far-end and near-end blocks differ in length ({far.size} vs {near.size})"
            )
        if self._fill == 0 and far.size == self.block:  # the engine's 20 ms frames
            self._start_block()
            self._far[:] = far
            self._near[:] = near
            out = self._output(0, self.block)
            self._finish_block()
            return self._to_pcm(out)
        out = np.empty(far.size)
        done = 0
        while done < far.size:
            if self._fill == 0:
                self._start_block()
            take = min(far.size - done, self.block - self._fill)
            start, stop = self._fill, self._fill + take
            self._far[start:stop] = far[done : done + take]
            self._near[start:stop] = near[done : done + take]
            out[done : done + take] = self._output(start, stop)
            self._fill = stop
            done += take
            if self._fill == self.block:
                self._finish_block()
                self._fill = 0
        return self._to_pcm(out)

    @staticmethod
    def _to_pcm(out: np.ndarray) -> np.ndarray:
        """`out` rounded to int16 (`out` itself is left as it was: it may be the error)."""
        pcm = np.rint(out)
        np.minimum(pcm, 32767.0, out=pcm)
        np.maximum(pcm, -32768.0, out=pcm)
        return pcm.astype(np.int16)

    # --- per sample: the output ----------------------------------------------------------

    def _start_block(self) -> None:
        if self._noise_block is None and self.comfort_noise_enabled:
            self._comfort.skip_block()
        self._noise_block = None  # made on first need: most blocks never suppress
        self._geigel_in_block = False
        self._talk_in_block = False
        self._pushed = False
        self._one_estimate = False
        self._peak_in_block = 0.0

    def _output(self, start: int, stop: int) -> np.ndarray:
        """Output samples [start, stop) of the current block."""
        near = self._near[start:stop]
        if self._bypassed:
            self._echo[start:stop] = 0.0
            self._error[start:stop] = near
            return near.copy()
        spectrum = self._spectra.spectrum(stop)
        if stop == self.block:  # the block is complete: its spectrum joins the model's
            self._spectra.push(spectrum)
            self._pushed = True
            foreground, self._background_echo = self._paths.estimates(self._spectra.spectra)
            # A whole block's output from the one estimate both models share: the
            # background's error is the foreground's.
            self._one_estimate = start == 0 and foreground is self._background_echo
        else:
            foreground, _ = self._paths.estimates(self._spectra.with_newest(spectrum))
        echo = foreground[start:stop]
        self._echo[start:stop] = echo
        error = np.subtract(near, echo, out=self._error[start:stop])
        far_peak = np.maximum.accumulate(np.abs(self._far[start:stop]))
        block_peak = max(self._peak_in_block, float(far_peak[-1]))
        np.maximum(far_peak, max(self._tail_peak, self._peak_in_block), out=far_peak)
        self._peak_in_block = block_peak
        # The three talk tests compare at once: |near| against the Geigel threshold, the
        # residual's envelope against what the echo model leaves, |residual| against the
        # talk floor (a threshold is far_peak × scale, at least floor).
        count = stop - start
        levels = self._levels[:, :count]
        residual = np.abs(error, out=levels[2])
        np.abs(near, out=levels[0])
        envelope = np.multiply(residual, self._envelope_in[:count], out=levels[1])
        np.add.accumulate(envelope, out=envelope)  # cumsum, without the method's overhead
        envelope += self._envelope_decay * self._envelope_state
        envelope *= self._envelope_out[:count]
        self._envelope_state = float(envelope[-1])
        self._threshold_scales[0, 0] = self._geigel_ratio
        self._threshold_scales[1, 0] = RESIDUAL_MARGIN * self._residual_ratio
        self._threshold_floors[1, 0] = RESIDUAL_MARGIN * self._noise_amplitude()
        thresholds = far_peak * self._threshold_scales
        np.maximum(thresholds, self._threshold_floors, out=thresholds)
        over = levels > thresholds
        geigel = over[0]
        talk = over[1] & over[2]
        talk |= geigel
        hits = talk.nonzero()[0]
        talk_until = self._talk_until  # as it stood before this stretch
        if hits.size:
            geigel_hits = geigel.nonzero()[0]
            hold_end = self._position + start + self._hangover + 1  # of a hit at `start`
            if geigel_hits.size:
                self._geigel_in_block = True
                self._geigel_until = hold_end + int(geigel_hits[-1])
            self._talk_in_block = True
            self._talk_until = hold_end + int(hits[-1])
        if not self.nlp_enabled:
            return error
        suppress: np.ndarray | None = None  # samples the NLP removes (None: none)
        if self.erle_db >= NLP_MIN_ERLE_DB:
            suppress = far_peak > self._far_active_peak
            holding = self._holding(hits, talk_until, start, stop)
            if holding is not None:
                suppress &= ~holding
        self._nlp_active = suppress is not None and bool(suppress[-1])
        gain = self._ramp(suppress, count)
        if gain is None:
            return error
        noise = self._comfort_noise()[start:stop]
        if isinstance(gain, float):  # suppressed throughout
            return noise.copy()
        return gain * error + (1.0 - gain) * noise

    def _holding(
        self, hits: np.ndarray, talk_until: int, start: int, stop: int
    ) -> np.ndarray | None:
        """Which samples of [start, stop) lie within a talk hangover, given the talk `hits`
        among them (offsets from `start`) and where the hangover stood before (None: none)."""
        until = talk_until - self._position  # block offset the earlier hangover ends at
        if not hits.size:
            return np.arange(start, stop) < until if until > start else None
        offsets = np.arange(start, stop)
        marks = np.full(stop - start, until - self._hangover - 1)
        marks[hits] = offsets[hits]
        return offsets <= np.maximum.accumulate(marks) + self._hangover

    def _ramp(self, suppress: np.ndarray | None, count: int) -> np.ndarray | float | None:
        """NLP gain per sample, moving NLP_RAMP_STEP per sample towards 0 (suppress) or 1.

        The step is a power of two, so the gain takes exact values and the result does not
        depend on where blocks were split. None means a gain of 1 throughout, 0.0 a gain of
        0 throughout; `suppress` None means suppressing no sample of the `count`.
        """
        if suppress is None:
            if self._nlp_gain >= 1.0:
                return None
            suppress = np.zeros(count, dtype=bool)
        else:
            suppressed = np.count_nonzero(suppress)
            if self._nlp_gain >= 1.0 and suppressed == 0:
                return None
            if self._nlp_gain <= 0.0 and suppressed == count:
                return 0.0
        gain = np.empty(suppress.size)
        changes = np.nonzero(suppress[1:] != suppress[:-1])[0] + 1
        bounds = [0, *changes.tolist(), suppress.size]
        level = self._nlp_gain
        for begin, end in itertools.pairwise(bounds):
            steps = np.arange(1, end - begin + 1) * NLP_RAMP_STEP
            run = level - steps if suppress[begin] else level + steps
            np.clip(run, 0.0, 1.0, out=run)
            gain[begin:end] = run
            level = float(run[-1])
        self._nlp_gain = level
        return gain

    def _comfort_noise(self) -> np.ndarray:
        if self._noise_block is None:
            if self.comfort_noise_enabled:
                self._noise_block = self._comfort.next_block()
            else:
                self._noise_block = np.zeros(self.block)
        return self._noise_block

    def _noise_amplitude(self) -> float:
        return math.sqrt(2.0 * self._comfort.floor_power)

    # --- per block: learning -------------------------------------------------------------

    def _finish_block(self) -> None:
        far, near = self._far, self._near
        if not self._pushed:  # bypassed: the far-end history is kept all the same
            self._spectra.push(self._spectra.spectrum(self.block))
            self._peak_in_block = float(np.max(np.abs(far)))
        far_power = float(far.dot(far)) / self.block
        near_energy = float(near.dot(near))
        near_power = near_energy / self.block
        self._block_peaks.pop()
        self._block_peaks.insert(0, self._peak_in_block)
        self._tail_peak = max(self._block_peaks)
        self._position += self.block
        if self._bypassed:
            self._watch_modem_release(far_power, near_power)
            return
        foreground_error = self._error
        foreground_energy = float(foreground_error.dot(foreground_error))
        far_active = far_power > self._adapt_min_power
        geigel_talk = self._geigel_in_block or self._position < self._geigel_until
        double_talk = geigel_talk or self._position < self._talk_until
        self._comfort.observe(foreground_error, far_active, self._talk_in_block)
        fitted = self._fitter.block(
            far, near, foreground_energy, far_active, self._talk_in_block, self.erle_db
        )
        if not far_active:
            return  # no echo to learn from
        if fitted:  # the background is now a fit: its estimate is still to be made
            self._background_echo = self._paths.background.estimate(self._spectra.spectra)
        if self._one_estimate and not fitted:
            background_error, background_energy = foreground_error, foreground_energy
        else:
            background_error = near - self._background_echo
            background_energy = float(background_error.dot(background_error))
        if geigel_talk:  # mostly talk: learn nothing, but drop a background that went astray
            self._paths.compare(background_energy, foreground_energy, near_energy, math.inf)
            return
        # A converged model only tracks slow changes: adapting on every other block halves
        # the cost; a new path is found by the fits and the residual test meanwhile.
        half_rate = self.erle_db >= HALF_RATE_ERLE_DB and not self._fitter.fitting
        self._adapt_skipped = half_rate and not self._adapt_skipped
        if not self._adapt_skipped:
            self._adapt(near, background_error)
        # The residual test flags talk whenever the model is wrong (an echo path change, or
        # the echo arriving after a block the model had nothing to cancel); a background that
        # removes most of what was received (say, a fit of the new path) may then still
        # replace the foreground.
        copy_erle_db = TALK_COPY_ERLE_DB if double_talk else 0.0
        self._paths.compare(background_energy, foreground_energy, near_energy, copy_erle_db)
        error_power = foreground_energy / self.block
        if not double_talk:
            self._learn_residual(foreground_error, error_power, near_power)
            self._measure_call(far_power, near_power, error_power)
        self._follow_echo_peaks(error_power, near_power)

    def _adapt(self, near: np.ndarray, background_error: np.ndarray) -> None:
        """One normalised step of the background model on bins that carry echo."""
        power = self._spectra.power + self._regularisation
        near_spectrum, error_spectrum = self._spectra.spectra_of_blocks(near, background_error)
        near_bin_power = np.abs(near_spectrum)
        near_bin_power *= near_bin_power
        echo_bins = near_bin_power <= NEAR_BIN_GATE * power
        mean = float(np.add.reduce(power)) / power.size
        normaliser = np.maximum(power, 10.0 ** (NORMALISER_FLOOR_DB / 10.0) * mean)
        gain = np.where(echo_bins, STEP / normaliser, 0.0)
        self._paths.adapt_background(self._spectra.spectra, error_spectrum, gain)

    def _measure_call(self, far_power: float, near_power: float, error_power: float) -> None:
        self._measured_blocks += 1
        self._call_far += far_power
        self._call_near += near_power
        if self.converged:
            self._converged_near += near_power
            self._converged_error += error_power

    def _learn_residual(self, error: np.ndarray, error_power: float, near_power: float) -> None:
        smoothing = ERLE_SMOOTHING
        self._near_power = smoothing * self._near_power + (1 - smoothing) * near_power
        self._error_power = smoothing * self._error_power + (1 - smoothing) * error_power
        far_peak = self._tail_peak
        if far_peak <= 0.0:
            return
        ratio = float(np.abs(error).max()) / far_peak
        self._residual_ratio = min(ratio, self._residual_ratio * RESIDUAL_RISE_PER_BLOCK, 1.0)

    def _follow_echo_peaks(self, error_power: float, near_power: float) -> None:
        """Set the Geigel threshold from the echo peaks the model predicts in blocks it
        cancels well, so a hybrid with little loss does not stall learning."""
        self._echo_peak_ratio *= GEIGEL_DECAY_PER_BLOCK
        if near_power > error_power * 10.0 ** (ECHO_DOMINATED_DB / 10.0):
            ratio = float(np.abs(self._echo).max()) / self._tail_peak
            self._echo_peak_ratio = max(self._echo_peak_ratio, ratio)
            self._echo_peaks_known = True
        if self._echo_peaks_known:
            self._geigel_ratio = min(
                max(GEIGEL_MARGIN * self._echo_peak_ratio, GEIGEL_RATIO), GEIGEL_MAX_RATIO
            )

    def _watch_modem_release(self, far_power: float, near_power: float) -> None:
        quiet = max(far_power, near_power) < self._modem_quiet_power
        self._quiet_samples = self._quiet_samples + self.block if quiet else 0
        if self._quiet_samples >= self._modem_release:
            self.enable()
