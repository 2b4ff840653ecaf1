// The critical alarm: a three-tone beep made with the Web Audio API (no audio files), repeated while
// any critical alert waits for acknowledgement. Browsers only allow sound after a user gesture, so
// unlock() is called from the login click and from any later click or key press.

const REPEAT_MS = 2000;

export class AlarmSound {
  #ctx = null;
  #timer = null;
  #wanted = false;
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
    return this.#wanted && !this.#muted && (!this.#ctx || this.#ctx.state !== 'running');
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
    return this.#wanted && !this.#muted;
  }

  /** Starts or stops the repeating alarm. */
  want(on) {
    if (on === this.#wanted) return;
    this.#wanted = on;
    if (on) {
      this.#beep();
      this.#timer = setInterval(() => this.#beep(), REPEAT_MS);
    } else {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    this.onchange();
  }

  #beep() {
    const ctx = this.#ctx;
    if (this.#muted || !ctx || ctx.state !== 'running') return;
    const start = ctx.currentTime + 0.01;
    [
      [0, 988],
      [0.22, 740],
      [0.44, 988],
    ].forEach(([offset, freq]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      const t = start + offset;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.2);
    });
    this.beeps += 1;
  }
}
