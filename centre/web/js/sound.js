// The alarm: tones made with the Web Audio API (no audio files), repeated while a call waits for an
// operator. Each priority sounds different: critical a loud three-tone beep, high a quieter two-tone
// chime, normal one soft tone; a call waiting past 60 s, then 180 s, repeats faster and louder.
// Browsers only allow sound after a user gesture, so unlock() is called from the login click and from
// any later click or key press.

/** Per priority: the tones [offset s, Hz], the waveform, the loudness and the repeat interval. */
export const SOUNDS = {
  critical: { tones: [[0, 988], [0.22, 740], [0.44, 988]], wave: 'square', gain: 0.25, every: 2000 },
  high: { tones: [[0, 660], [0.3, 523]], wave: 'triangle', gain: 0.12, every: 4000 },
  normal: { tones: [[0, 440]], wave: 'sine', gain: 0.06, every: 8000 },
};
/** By how much a call waiting past 60 s (stage 1) and 180 s (stage 2) raises the sound. */
const STAGE_GAIN = [1, 1.6, 2.4];
const STAGE_PACE = [1, 0.75, 0.5];

export class AlarmSound {
  #ctx = null;
  #timer = null;
  #wanted = null; // the priority sounding, or null
  #stage = 0;
  #muted = false;
  /** How many beeps have actually been played (for tests and diagnostics). */
  beeps = 0;
  /** Called when sounding/muted/blocked changes. */
  onchange = () => {};

  /** Creates or resumes the audio context; call from a user gesture. */
  unlock() {
    try {
      if (!this.#ctx) {
        const Ctx = window.AudioContext ?? window.webkitAudioContext;
        if (!Ctx) return;
        this.#ctx = new Ctx();
        this.#ctx.addEventListener('statechange', () => this.onchange());
      }
      if (this.#ctx.state === 'suspended') this.#ctx.resume().catch(() => {});
    } catch {
      // No audio device: the visual cues remain.
    }
  }

  /** True when sound is wanted but the browser has not allowed it yet. */
  get blocked() {
    return !!this.#wanted && !this.#muted && (!this.#ctx || this.#ctx.state !== 'running');
  }

  get muted() {
    return this.#muted;
  }

  set muted(value) {
    this.#muted = !!value;
    this.onchange();
  }

  /** True while the alarm should be heard (wanted, not muted). */
  get sounding() {
    return !!this.#wanted && !this.#muted;
  }

  /** The priority sounding ('critical', 'high', 'normal') or null, and the waiting stage (0, 1, 2). */
  get wanted() {
    return this.#wanted;
  }

  get stage() {
    return this.#stage;
  }

  /** Starts, changes or (with a falsy priority) stops the repeating alarm. */
  want(priority, stage = 0) {
    const p = SOUNDS[priority] ? priority : null;
    const st = p ? Math.max(0, Math.min(2, stage | 0)) : 0;
    if (p === this.#wanted && st === this.#stage) return;
    const louder = p && (p !== this.#wanted || st > this.#stage);
    this.#wanted = p;
    this.#stage = st;
    clearInterval(this.#timer);
    this.#timer = null;
    if (p) {
      if (louder) this.#beep();
      this.#timer = setInterval(() => this.#beep(), SOUNDS[p].every * STAGE_PACE[st]);
    }
    this.onchange();
  }

  #beep() {
    const ctx = this.#ctx;
    const sound = SOUNDS[this.#wanted];
    if (this.#muted || !sound || !ctx || ctx.state !== 'running') return;
    const start = ctx.currentTime + 0.01;
    const peak = Math.min(0.9, sound.gain * STAGE_GAIN[this.#stage]);
    sound.tones.forEach(([offset, freq]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = sound.wave;
      osc.frequency.value = freq;
      const t = start + offset;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(peak, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.2);
    });
    this.beeps += 1;
  }
}
