/** The page's words, Ukrainian and English. */
export type Locale = 'uk' | 'en';

const UK = {
  title: 'Білінг',
  back: 'Повернутися',
  loading: 'Завантаження…',
  invalid: 'Посилання недійсне або його строк минув. Попросіть нове.',
  failed: 'Не вдалося завантажити дані. Оновіть сторінку.',
  summary: 'Рахунок',
  balance: 'Баланс',
  creditBalance: 'Бонусні кошти',
  runway: 'Коштів вистачить до',
  runwayNever: 'понад рік',
  nextCharge: 'Наступне списання',
  blocked: 'Проєкт заблоковано: поповніть баланс',
  products: 'Продукти',
  perMonth: 'на місяць',
  included: 'Включено',
  seats: 'Місця',
  on: 'Увімкнено',
  off: 'Вимкнено',
  readOnly: 'Це посилання лише для перегляду.',
  discount: 'Знижка за кілька продуктів',
  tomorrow: 'Ціна завтра',
  confirm: 'Підтвердити',
  cancel: 'Скасувати',
  changeTo: 'Зміна',
  saved: 'Збережено',
  spend: 'Витрати за 30 днів',
  spendProducts: 'Продукти й номери',
  spendTelecom: 'Зв’язок',
  chartLabel: 'Стовпчикова діаграма витрат за днями',
  total: 'Разом',
  usage: 'Використання цього місяця',
  country: 'Країна',
  kind: 'Тип',
  count: 'Кількість',
  duration: 'Тривалість, с',
  amount: 'Сума',
  credits: 'Бонуси',
  granted: 'Нараховано',
  remaining: 'Залишок',
  expires: 'Діє до',
  status: 'Статус',
  ledger: 'Рух коштів за 30 днів',
  date: 'Дата',
  description: 'Опис',
  more: 'Показати ще',
  csv: 'Завантажити CSV',
  statements: 'Виписки',
  month: 'Місяць',
  opening: 'На початок',
  closing: 'На кінець',
  pdf: 'PDF',
  none: 'Немає записів',
  kinds: { outgoing_call: 'Вихідні дзвінки', forwarded_call: 'Переадресовані дзвінки', sms: 'SMS' } as Record<string, string>,
};

const EN: typeof UK = {
  title: 'Billing',
  back: 'Back',
  loading: 'Loading…',
  invalid: 'This link is not valid or has expired. Ask for a new one.',
  failed: 'The data could not be loaded. Reload the page.',
  summary: 'Account',
  balance: 'Balance',
  creditBalance: 'Credit balance',
  runway: 'Balance lasts until',
  runwayNever: 'more than a year',
  nextCharge: 'Next charge',
  blocked: 'The project is blocked: top up the balance',
  products: 'Products',
  perMonth: 'per month',
  included: 'Included',
  seats: 'Seats',
  on: 'On',
  off: 'Off',
  readOnly: 'This link is read-only.',
  discount: 'Multi-product discount',
  tomorrow: 'Price tomorrow',
  confirm: 'Confirm',
  cancel: 'Cancel',
  changeTo: 'Change',
  saved: 'Saved',
  spend: 'Spend, last 30 days',
  spendProducts: 'Products and numbers',
  spendTelecom: 'Telecom',
  chartLabel: 'Stacked bar chart of spend by day',
  total: 'Total',
  usage: 'Usage this month',
  country: 'Country',
  kind: 'Kind',
  count: 'Count',
  duration: 'Duration, s',
  amount: 'Amount',
  credits: 'Credits',
  granted: 'Granted',
  remaining: 'Remaining',
  expires: 'Expires',
  status: 'Status',
  ledger: 'Money movements, last 30 days',
  date: 'Date',
  description: 'Description',
  more: 'Show more',
  csv: 'Download CSV',
  statements: 'Statements',
  month: 'Month',
  opening: 'Opening',
  closing: 'Closing',
  pdf: 'PDF',
  none: 'Nothing yet',
  kinds: { outgoing_call: 'Outgoing calls', forwarded_call: 'Forwarded calls', sms: 'SMS' },
};

export type Words = typeof UK;
export const WORDS: Readonly<Record<Locale, Words>> = { uk: UK, en: EN };

/**
 * Minor units as text by string arithmetic (no float touches an amount), with the locale's
 * separators: 123456 UAH → "1 234,56 UAH" (uk), "1,234.56 UAH" (en).
 */
export function money(amount: number, currency: string, locale: Locale, digits = 2): string {
  const sign = amount < 0 ? '−' : '';
  const abs = String(Math.abs(amount)).padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, locale === 'uk' ? '\u00a0' : ',');
  const frac = digits > 0 ? (locale === 'uk' ? ',' : '.') + abs.slice(abs.length - digits) : '';
  return `${sign}${whole}${frac}\u00a0${currency}`;
}

/** A YYYY-MM-DD day as the locale writes it, without time-zone arithmetic. */
export function day(d: string, locale: Locale): string {
  const [y, m, dd] = d.split('-');
  return locale === 'uk' ? `${dd}.${m}.${y}` : d;
}
