// The widget's words in each first-market language. Arabic, Khmer and Vietnamese need a native
// speaker's review (see ui/widget/README.md); placeholders are {name}.
const en = {
  open: 'Chat with us',
  online: "We're online",
  away: "We're away right now",
  answerFrom: "We'll answer from {time}",
  title: 'Chat with {clinic}',
  name: 'Your name',
  phone: 'Phone',
  email: 'Email',
  question: 'Your question',
  required: 'Please fill in: {label}',
  consent: 'I agree to the privacy policy (version {version})',
  policy: 'Read the privacy policy',
  marketing: 'Send me news and offers',
  start: 'Start chat',
  solving: 'Checking that you are not a robot…',
  send: 'Send',
  write: 'Write a message…',
  sending: 'Sending…',
  deleted: 'This message was deleted',
  unreadable: 'This message could not be read',
  storage: 'What is stored in your browser',
  storageText:
    'A key pair that encrypts your messages so that only the clinic can read them; the id and secret of this chat, so you can carry on after reloading the page; messages not yet delivered. Nothing else.',
  forget: 'Forget this chat on this device',
  close: 'Close',
  tooLong: 'This message is too long ({n} of {max} bytes).',
  reconnecting: 'Connection lost; reconnecting…',
  'relay.rate_limited': 'Too many messages at once; please wait a moment and try again.',
  'relay.pow_invalid': 'The robot check failed; please try again.',
  'relay.pow_replayed': 'The robot check failed; please try again.',
  'relay.bot_suspected': 'That was quicker than a person can type; please try again.',
  'relay.consent_missing': 'Please agree to the privacy policy first.',
  'relay.too_large': 'This message is too long.',
  other: 'Something went wrong; please try again.',
  auto: 'Automatic reply',
  handoff: 'Talk to a person',
  handoffText: 'I would like to talk to a person, please.',
  offline: 'We are not at the desk right now.',
  attach: 'Attach a picture or PDF',
  fileTooLarge: 'This file is too large; the limit is {mb} MB.',
  fileType: 'Only pictures (JPEG, PNG, WebP) and PDF files can be sent.',
  fileEmpty: 'This file is empty.',
  fileRate: 'Too many files at once; please wait a moment and try again.',
  fileBad: 'This file could not be opened',
};
type Messages = typeof en;

const ar: Messages = {
  open: 'تحدث معنا',
  online: 'نحن متصلون الآن',
  away: 'لسنا متاحين الآن',
  answerFrom: 'سنرد ابتداءً من {time}',
  title: 'محادثة مع {clinic}',
  name: 'اسمك',
  phone: 'الهاتف',
  email: 'البريد الإلكتروني',
  question: 'سؤالك',
  required: 'يرجى تعبئة: {label}',
  consent: 'أوافق على سياسة الخصوصية (الإصدار {version})',
  policy: 'اقرأ سياسة الخصوصية',
  marketing: 'أرسلوا لي الأخبار والعروض',
  start: 'ابدأ المحادثة',
  solving: 'نتحقق من أنك لست روبوتًا…',
  send: 'إرسال',
  write: 'اكتب رسالة…',
  sending: 'جارٍ الإرسال…',
  deleted: 'تم حذف هذه الرسالة',
  unreadable: 'تعذرت قراءة هذه الرسالة',
  storage: 'ما الذي يُحفظ في متصفحك',
  storageText:
    'زوج مفاتيح يشفّر رسائلك فلا يقرؤها إلا العيادة؛ معرّف هذه المحادثة ورمزها السري لتتابع بعد إعادة تحميل الصفحة؛ الرسائل التي لم تُسلَّم بعد. لا شيء غير ذلك.',
  forget: 'انسَ هذه المحادثة على هذا الجهاز',
  close: 'إغلاق',
  tooLong: 'هذه الرسالة طويلة جدًا ({n} من {max} بايت).',
  reconnecting: 'انقطع الاتصال؛ جارٍ إعادة الاتصال…',
  'relay.rate_limited': 'رسائل كثيرة في وقت قصير؛ انتظر قليلًا ثم حاول مجددًا.',
  'relay.pow_invalid': 'فشل التحقق من أنك لست روبوتًا؛ حاول مجددًا.',
  'relay.pow_replayed': 'فشل التحقق من أنك لست روبوتًا؛ حاول مجددًا.',
  'relay.bot_suspected': 'كان ذلك أسرع مما يكتب الإنسان؛ حاول مجددًا.',
  'relay.consent_missing': 'يرجى الموافقة على سياسة الخصوصية أولًا.',
  'relay.too_large': 'هذه الرسالة طويلة جدًا.',
  other: 'حدث خطأ ما؛ حاول مجددًا.',
  auto: 'رد تلقائي',
  handoff: 'تحدث إلى شخص',
  handoffText: 'أود التحدث إلى أحد الموظفين من فضلكم.',
  offline: 'لسنا في المكتب الآن.',
  attach: 'إرفاق صورة أو ملف PDF',
  fileTooLarge: 'هذا الملف كبير جدًا؛ الحد الأقصى {mb} ميغابايت.',
  fileType: 'يمكن إرسال الصور (JPEG وPNG وWebP) وملفات PDF فقط.',
  fileEmpty: 'هذا الملف فارغ.',
  fileRate: 'ملفات كثيرة في وقت قصير؛ انتظر قليلًا ثم حاول مجددًا.',
  fileBad: 'تعذر فتح هذا الملف',
};

const km: Messages = {
  open: 'ជជែកជាមួយយើង',
  online: 'យើងកំពុងនៅលើបណ្ដាញ',
  away: 'ឥឡូវនេះយើងមិននៅទេ',
  answerFrom: 'យើងនឹងឆ្លើយចាប់ពី {time}',
  title: 'ជជែកជាមួយ {clinic}',
  name: 'ឈ្មោះរបស់អ្នក',
  phone: 'ទូរសព្ទ',
  email: 'អ៊ីមែល',
  question: 'សំណួររបស់អ្នក',
  required: 'សូមបំពេញ៖ {label}',
  consent: 'ខ្ញុំយល់ព្រមនឹងគោលការណ៍ឯកជនភាព (កំណែ {version})',
  policy: 'អានគោលការណ៍ឯកជនភាព',
  marketing: 'ផ្ញើព័ត៌មាន និងការផ្ដល់ជូនពិសេសមកខ្ញុំ',
  start: 'ចាប់ផ្ដើមជជែក',
  solving: 'កំពុងពិនិត្យថាអ្នកមិនមែនជារ៉ូបូត…',
  send: 'ផ្ញើ',
  write: 'សរសេរសារ…',
  sending: 'កំពុងផ្ញើ…',
  deleted: 'សារនេះត្រូវបានលុប',
  unreadable: 'មិនអាចអានសារនេះបានទេ',
  storage: 'អ្វីដែលរក្សាទុកក្នុងកម្មវិធីរុករករបស់អ្នក',
  storageText:
    'គូសោដែលអ៊ិនគ្រីបសាររបស់អ្នក ដើម្បីឱ្យតែគ្លីនិកអាចអានបាន; លេខសម្គាល់ និងលេខសម្ងាត់នៃការជជែកនេះ ដើម្បីបន្តបន្ទាប់ពីផ្ទុកទំព័រឡើងវិញ; សារដែលមិនទាន់បានបញ្ជូន។ គ្មានអ្វីផ្សេងទៀតទេ។',
  forget: 'បំភ្លេចការជជែកនេះនៅលើឧបករណ៍នេះ',
  close: 'បិទ',
  tooLong: 'សារនេះវែងពេក ({n} ក្នុងចំណោម {max} បៃ)។',
  reconnecting: 'ការតភ្ជាប់បានដាច់; កំពុងតភ្ជាប់ឡើងវិញ…',
  'relay.rate_limited': 'សារច្រើនពេកក្នុងពេលតែមួយ; សូមរង់ចាំបន្តិច ហើយព្យាយាមម្ដងទៀត។',
  'relay.pow_invalid': 'ការពិនិត្យរ៉ូបូតបានបរាជ័យ; សូមព្យាយាមម្ដងទៀត។',
  'relay.pow_replayed': 'ការពិនិត្យរ៉ូបូតបានបរាជ័យ; សូមព្យាយាមម្ដងទៀត។',
  'relay.bot_suspected': 'លឿនជាងមនុស្សវាយអក្សរ; សូមព្យាយាមម្ដងទៀត។',
  'relay.consent_missing': 'សូមយល់ព្រមនឹងគោលការណ៍ឯកជនភាពជាមុនសិន។',
  'relay.too_large': 'សារនេះវែងពេក។',
  other: 'មានបញ្ហាអ្វីមួយ; សូមព្យាយាមម្ដងទៀត។',
  auto: 'ការឆ្លើយតបស្វ័យប្រវត្តិ',
  handoff: 'និយាយជាមួយបុគ្គលិក',
  handoffText: 'ខ្ញុំចង់និយាយជាមួយបុគ្គលិក។',
  offline: 'ពេលនេះយើងខ្ញុំមិនមាននៅតុទទួលភ្ញៀវទេ។',
  attach: 'ភ្ជាប់រូបភាព ឬឯកសារ PDF',
  fileTooLarge: 'ឯកសារនេះធំពេក; ទំហំអតិបរមាគឺ {mb} MB។',
  fileType: 'អាចផ្ញើបានតែរូបភាព (JPEG, PNG, WebP) និងឯកសារ PDF ប៉ុណ្ណោះ។',
  fileEmpty: 'ឯកសារនេះទទេ។',
  fileRate: 'ឯកសារច្រើនពេកក្នុងពេលតែមួយ; សូមរង់ចាំបន្តិច ហើយព្យាយាមម្ដងទៀត។',
  fileBad: 'មិនអាចបើកឯកសារនេះបានទេ',
};

const vi: Messages = {
  open: 'Trò chuyện với chúng tôi',
  online: 'Chúng tôi đang trực tuyến',
  away: 'Hiện chúng tôi vắng mặt',
  answerFrom: 'Chúng tôi sẽ trả lời từ {time}',
  title: 'Trò chuyện với {clinic}',
  name: 'Tên của bạn',
  phone: 'Số điện thoại',
  email: 'Email',
  question: 'Câu hỏi của bạn',
  required: 'Vui lòng điền: {label}',
  consent: 'Tôi đồng ý với chính sách quyền riêng tư (phiên bản {version})',
  policy: 'Đọc chính sách quyền riêng tư',
  marketing: 'Gửi cho tôi tin tức và ưu đãi',
  start: 'Bắt đầu trò chuyện',
  solving: 'Đang kiểm tra bạn không phải là robot…',
  send: 'Gửi',
  write: 'Viết tin nhắn…',
  sending: 'Đang gửi…',
  deleted: 'Tin nhắn này đã bị xóa',
  unreadable: 'Không thể đọc tin nhắn này',
  storage: 'Những gì được lưu trong trình duyệt của bạn',
  storageText:
    'Một cặp khóa mã hóa tin nhắn để chỉ phòng khám đọc được; mã và khóa bí mật của cuộc trò chuyện này để bạn tiếp tục sau khi tải lại trang; các tin nhắn chưa được gửi đi. Không có gì khác.',
  forget: 'Quên cuộc trò chuyện này trên thiết bị này',
  close: 'Đóng',
  tooLong: 'Tin nhắn quá dài ({n} trên {max} byte).',
  reconnecting: 'Mất kết nối; đang kết nối lại…',
  'relay.rate_limited': 'Quá nhiều tin nhắn cùng lúc; vui lòng đợi một chút rồi thử lại.',
  'relay.pow_invalid': 'Kiểm tra robot không thành công; vui lòng thử lại.',
  'relay.pow_replayed': 'Kiểm tra robot không thành công; vui lòng thử lại.',
  'relay.bot_suspected': 'Nhanh hơn tốc độ gõ của con người; vui lòng thử lại.',
  'relay.consent_missing': 'Vui lòng đồng ý với chính sách quyền riêng tư trước.',
  'relay.too_large': 'Tin nhắn quá dài.',
  other: 'Đã xảy ra lỗi; vui lòng thử lại.',
  auto: 'Trả lời tự động',
  handoff: 'Nói chuyện với nhân viên',
  handoffText: 'Tôi muốn nói chuyện với nhân viên.',
  offline: 'Hiện chúng tôi không có mặt tại quầy.',
  attach: 'Đính kèm ảnh hoặc tệp PDF',
  fileTooLarge: 'Tệp này quá lớn; giới hạn là {mb} MB.',
  fileType: 'Chỉ có thể gửi ảnh (JPEG, PNG, WebP) và tệp PDF.',
  fileEmpty: 'Tệp này trống.',
  fileRate: 'Quá nhiều tệp cùng lúc; vui lòng đợi một chút rồi thử lại.',
  fileBad: 'Không thể mở tệp này',
};

const catalogs: Record<string, Messages> = { en, ar, km, vi };
export type Key = keyof Messages;

// "ar-JO" → "ar" → "en".
export function pickLang(wanted: string | undefined | null): string {
  const tag = (wanted || '').toLowerCase();
  if (catalogs[tag]) return tag;
  const base = tag.split('-')[0];
  return catalogs[base] ? base : 'en';
}

// The page's own tag when it is in the chosen language, so that "ar-JO" keeps Jordan's
// Arabic-Indic digits and a Khmer page its place; otherwise the language alone.
export function intlLocale(wanted: string | undefined | null, lang: string): string {
  const tag = (wanted || '').trim();
  if (!tag || tag.toLowerCase().split('-')[0] !== lang) return lang;
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? lang;
  } catch {
    return lang;
  }
}

// Latin digits in `s` written in the locale's own digits (a policy version "2" is "٢" in ar-JO).
export function localDigits(s: string, locale: string): string {
  const digits = new Intl.NumberFormat(locale, { useGrouping: false }).format(1234567890);
  const map = [digits[9], ...digits.slice(0, 9)];
  return /^[0-9]{10}$/.test(digits) ? s : s.replace(/[0-9]/g, (d) => map[Number(d)]);
}

// Numbers in placeholders are written as the locale writes them; text is left as it is.
export function translator(lang: string, locale: string = lang) {
  const m = catalogs[lang] ?? en;
  const number = new Intl.NumberFormat(locale);
  return (key: string, vars: Record<string, string | number> = {}): string =>
    ((m as Record<string, string>)[key] ?? (en as Record<string, string>)[key] ?? m.other).replace(
      /\{(\w+)\}/g,
      (_, k) => (typeof vars[k] === 'number' ? number.format(vars[k] as number) : String(vars[k] ?? '')),
    );
}

export const isRtl = (lang: string) => lang === 'ar';
