// Business hours in the operator's time zone: parsing SUPPORT_HOURS, "open now?", "when next?".
import type { Language } from './schema';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_NAMES: Record<Language, string[]> = {
  ko: ['일', '월', '화', '수', '목', '금', '토'],
  en: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
};

export interface Interval {
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

/** Opening intervals per weekday, Sunday first. */
export type WeeklySchedule = Interval[][];

export class HoursFormatError extends Error {}

function parseTime(text: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && m[2] !== '00')) {
    throw new HoursFormatError(`"${text}" is not a time like 09:00`);
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

/** 540 → "09:00" */
function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function parseDays(text: string): number[] {
  if (/^(daily|every ?day|all)$/.test(text)) return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [from, to] = part.split('-').map((d) => DAYS.indexOf(d.trim().slice(0, 3) as (typeof DAYS)[number]));
    if (from < 0 || (to !== undefined && to < 0)) throw new HoursFormatError(`"${part}" is not a day or range like mon-fri`);
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (to === undefined || d === to) break;
    }
  }
  return [...days];
}

/** Parses "mon-fri 09:00-18:00; sat 10:00-14:00" (also "daily 00:00-24:00"). */
export function parseSchedule(text: string): WeeklySchedule {
  const schedule: WeeklySchedule = DAYS.map(() => []);
  for (const rule of text.toLowerCase().split(/[;\n]/).map((r) => r.trim()).filter(Boolean)) {
    // The times are found from the end and the days are what precedes them: a lazy `(.+?)\s+` before
    // them backtracks quadratically on long runs of spaces.
    const m = /\s(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(rule);
    const days = m ? rule.slice(0, m.index).trim() : '';
    if (!m || !days) throw new HoursFormatError(`"${rule}" should look like "mon-fri 09:00-18:00"`);
    const interval = { start: parseTime(m[1]), end: parseTime(m[2]) };
    if (interval.end <= interval.start) throw new HoursFormatError(`"${rule}": closing time must be after opening time`);
    for (const day of parseDays(days.replace(/\s+/g, ' '))) schedule[day].push(interval);
  }
  if (schedule.every((d) => d.length === 0)) throw new HoursFormatError('no opening hours given');
  for (const day of schedule) day.sort((a, b) => a.start - b.start);
  return schedule;
}

interface LocalTime {
  date: string; // YYYY-MM-DD
  weekday: number;
  minutes: number;
}

export class BusinessHours {
  private readonly format: Intl.DateTimeFormat;

  constructor(
    readonly schedule: WeeklySchedule,
    readonly timeZone: string,
    readonly holidays: ReadonlySet<string> = new Set(),
  ) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
  }

  get alwaysOpen(): boolean {
    return this.holidays.size === 0 && this.schedule.every((d) => d.some((i) => i.start === 0 && i.end === 24 * 60));
  }

  /** Recent answers of local(): Intl formatting is slow and an hours answer asks about the same minutes. */
  private readonly localByMinute = new Map<number, LocalTime>();

  private local(at: Date): LocalTime {
    // Every time zone's offset is a whole number of minutes, so the UTC minute decides the local one.
    const minute = Math.floor(at.getTime() / 60000);
    let local = this.localByMinute.get(minute);
    if (!local) {
      local = this.computeLocal(at);
      if (this.localByMinute.size >= 32) this.localByMinute.delete(this.localByMinute.keys().next().value!);
      this.localByMinute.set(minute, local);
    }
    return local;
  }

  private computeLocal(at: Date): LocalTime {
    const parts = Object.fromEntries(this.format.formatToParts(at).map((p) => [p.type, p.value]));
    return {
      date: `${parts.year}-${parts.month}-${parts.day}`,
      weekday: DAYS.indexOf(parts.weekday.toLowerCase().slice(0, 3) as (typeof DAYS)[number]),
      minutes: Number(parts.hour) * 60 + Number(parts.minute),
    };
  }

  /** The operator's calendar date and wall-clock time, for texts such as case numbers and closing summaries. */
  localDateTime(at: Date): { date: string; time: string } {
    const local = this.local(at);
    return { date: local.date, time: hhmm(local.minutes) };
  }

  isHoliday(at: Date): boolean {
    return this.holidays.has(this.local(at).date);
  }

  isOpen(at: Date): boolean {
    const local = this.local(at);
    if (this.holidays.has(local.date)) return false;
    return this.schedule[local.weekday].some((i) => local.minutes >= i.start && local.minutes < i.end);
  }

  /** The next moment the desk opens (now if open), or undefined if it never opens in the coming weeks. */
  nextOpening(at: Date): Date | undefined {
    if (this.isOpen(at)) return at;
    const local = this.local(at);
    for (let dayOffset = 0; dayOffset < 60; dayOffset++) {
      const weekday = (local.weekday + dayOffset) % 7;
      for (const interval of this.schedule[weekday]) {
        if (dayOffset === 0 && interval.start <= local.minutes) continue;
        const candidate = new Date(at.getTime() + ((dayOffset * 1440 + interval.start - local.minutes) * 60 - at.getUTCSeconds()) * 1000 - at.getUTCMilliseconds());
        // Stepping in wall-clock minutes is off by the change of UTC offset across a DST switch; re-check.
        if (this.isOpen(candidate)) return candidate;
        const corrected = new Date(candidate.getTime() + (interval.start - this.local(candidate).minutes) * 60000);
        if (this.isOpen(corrected)) return corrected;
      }
    }
    return undefined;
  }

  /** "월-금 09:00-18:00, 토 10:00-14:00 (Asia/Seoul)" */
  describe(language: Language): string {
    const key = (d: Interval[]) => d.map((i) => `${hhmm(i.start)}-${hhmm(i.end)}`).join(', ');
    const groups: { from: number; to: number; hours: string }[] = [];
    for (const day of [1, 2, 3, 4, 5, 6, 0]) {
      const hours = key(this.schedule[day]);
      if (!hours) continue;
      const last = groups[groups.length - 1];
      if (last && last.hours === hours && (last.to + 1) % 7 === day) last.to = day;
      else groups.push({ from: day, to: day, hours });
    }
    const names = DAY_NAMES[language];
    const everyDay = groups.length === 1 && groups[0].from === 1 && groups[0].to === 0;
    const text = everyDay
      ? `${language === 'ko' ? '매일' : 'every day'} ${groups[0].hours}`
      : groups.map((g) => `${names[g.from]}${g.from === g.to ? '' : `-${names[g.to]}`} ${g.hours}`).join(', ');
    return `${text} (${this.timeZone})`;
  }

  /** When the desk opens next, in words for the seller ("내일 09:00", "Mon 09:00"). */
  describeNextOpening(at: Date, language: Language): string | undefined {
    const next = this.nextOpening(at);
    if (!next) return undefined;
    const now = this.local(at);
    const then = this.local(next);
    const time = hhmm(then.minutes);
    const days = Math.round((Date.parse(then.date) - Date.parse(now.date)) / 86400000);
    if (language === 'ko') {
      const day = days === 0 ? '오늘' : days === 1 ? '내일' : `${then.date.slice(5).replace('-', '/')}(${DAY_NAMES.ko[then.weekday]})`;
      return `${day} ${time}`;
    }
    const day = days === 0 ? 'today' : days === 1 ? 'tomorrow' : `${DAY_NAMES.en[then.weekday]} ${then.date.slice(5).replace('-', '/')}`;
    return `${day} at ${time}`;
  }
}
