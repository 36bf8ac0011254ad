import { BusinessHours, parseSchedule } from '../../knowledge/hours';

const weekdays = new BusinessHours(parseSchedule('mon-fri 09:00-18:00'), 'Asia/Seoul', new Set(['2026-12-25']));

test('open and closed in the operator time zone', () => {
  expect(weekdays.isOpen(new Date('2026-11-27T00:00:00Z'))).toBe(true); // Fri 09:00 KST
  expect(weekdays.isOpen(new Date('2026-11-26T23:59:00Z'))).toBe(false); // Fri 08:59 KST
  expect(weekdays.isOpen(new Date('2026-11-28T03:00:00Z'))).toBe(false); // Sat
  expect(weekdays.isOpen(new Date('2026-12-25T03:00:00Z'))).toBe(false); // holiday
});

test('next opening skips the weekend and holidays', () => {
  expect(weekdays.nextOpening(new Date('2026-11-27T10:00:00Z'))?.toISOString()).toBe('2026-11-30T00:00:00.000Z'); // Fri 19:00 → Mon 09:00
  expect(weekdays.describeNextOpening(new Date('2026-11-26T10:00:00Z'), 'ko')).toBe('내일 09:00');
  expect(weekdays.describeNextOpening(new Date('2026-11-26T10:00:00Z'), 'en')).toBe('tomorrow at 09:00');
  expect(weekdays.nextOpening(new Date('2026-12-24T10:00:00Z'))?.toISOString()).toBe('2026-12-28T00:00:00.000Z');
});

test('local date and time for texts (case numbers, closing summaries)', () => {
  expect(weekdays.localDateTime(new Date('2026-11-26T15:05:00Z'))).toEqual({ date: '2026-11-27', time: '00:05' }); // past midnight KST
  expect(weekdays.localDateTime(new Date('2026-12-31T14:59:59Z'))).toEqual({ date: '2026-12-31', time: '23:59' });
});

test('a schedule that is not understood is refused', () => {
  expect(() => parseSchedule('mon-fri 18:00-09:00')).toThrow(/after opening/);
  expect(() => parseSchedule('someday 09:00-10:00')).toThrow(/not a day/);
});
