#include "services/plan/text.h"

#include <algorithm>
#include <vector>

namespace duban::plan {
namespace {

// Traditional → simplified pairs, for matching only (printed text is never
// changed). Covers the characters of every keyword the importer reads and
// the common vocabulary of plan documents; a character not listed is matched
// as it is.
constexpr const char kTraditionalPairs[] =
    "萬万 與与 專专 業业 東东 絲丝 兩两 嚴严 個个 豐丰 臨临 為为 爲为 麗丽 "
    "舉举 義义 樂乐 習习 鄉乡 書书 買买 亂乱 爭争 於于 虧亏 雲云 亞亚 產产 "
    "畝亩 親亲 億亿 僅仅 從从 倉仓 儀仪 們们 價价 眾众 衆众 優优 會会 偉伟 "
    "傳传 傷伤 倫伦 體体 餘余 側侧 僑侨 儉俭 債债 傾倾 償偿 儲储 兒儿 黨党 "
    "蘭兰 關关 興兴 養养 內内 岡冈 冊册 寫写 軍军 農农 衝冲 決决 況况 淨净 "
    "減减 幾几 鳳凤 憑凭 擊击 劃划 劉刘 則则 剛刚 創创 別别 劑剂 劍剑 劇剧 "
    "勸劝 辦办 務务 動动 勵励 勁劲 勞劳 勢势 勻匀 區区 醫医 華华 協协 單单 "
    "賣卖 盧卢 衛卫 卻却 廠厂 廳厅 歷历 曆历 厲厉 壓压 廈厦 縣县 參参 雙双 "
    "發发 變变 敘叙 疊叠 葉叶 號号 後后 嚇吓 嗎吗 聽听 啟启 啓启 吳吴 員员 "
    "響响 啞哑 喚唤 噴喷 團团 園园 圍围 國国 圖图 圓圆 聖圣 場场 壞坏 塊块 "
    "堅坚 壇坛 壩坝 墳坟 墜坠 壘垒 墾垦 墊垫 牆墙 壯壮 聲声 殼壳 壺壶 處处 "
    "備备 復复 夠够 頭头 誇夸 夾夹 奪夺 奮奋 獎奖 婦妇 媽妈 婁娄 嬰婴 孫孙 "
    "學学 寧宁 寶宝 實实 審审 憲宪 宮宫 寬宽 賓宾 對对 尋寻 導导 壽寿 將将 "
    "爾尔 塵尘 盡尽 層层 屆届 屬属 屢屡 歲岁 豈岂 崗岗 島岛 嶺岭 峽峡 鞏巩 "
    "幣币 帥帅 師师 帳帐 帶带 幫帮 幹干 並并 竝并 廣广 莊庄 慶庆 庫库 應应 "
    "廟庙 龐庞 廢废 開开 異异 棄弃 張张 彌弥 彎弯 彈弹 強强 歸归 當当 錄录 "
    "徹彻 徑径 禦御 憶忆 憂忧 懷怀 態态 總总 戀恋 懇恳 惡恶 惱恼 悅悦 懸悬 "
    "驚惊 懼惧 慘惨 懲惩 慣惯 憤愤 願愿 懶懒 戲戏 戰战 戶户 紮扎 撲扑 執执 "
    "擴扩 掃扫 揚扬 擾扰 撫抚 搶抢 護护 報报 擔担 擬拟 擁拥 攔拦 撥拨 擇择 "
    "掛挂 擋挡 掙挣 擠挤 揮挥 損损 撿捡 換换 據据 擲掷 攬揽 攜携 攝摄 擺摆 "
    "搖摇 攤摊 撐撑 敵敌 數数 齋斋 鬥斗 斬斩 斷断 無无 舊旧 時时 曠旷 顯显 "
    "晉晋 曬晒 曉晓 暈晕 暉晖 暫暂 術术 樸朴 機机 殺杀 雜杂 權权 條条 來来 "
    "楊杨 傑杰 極极 構构 槍枪 櫃柜 標标 棧栈 棟栋 欄栏 樹树 棲栖 樣样 橋桥 "
    "樺桦 檔档 夢梦 檢检 樓楼 欖榄 檻槛 橫横 櫻樱 櫥橱 歡欢 歐欧 殲歼 殘残 "
    "毆殴 毀毁 畢毕 斃毙 氣气 匯汇 漢汉 湯汤 溝沟 沒没 淪沦 滄沧 滬沪 淚泪 "
    "瀘泸 瀉泻 潑泼 澤泽 潔洁 灑洒 窪洼 淺浅 漿浆 澆浇 濁浊 測测 濟济 瀏浏 "
    "渾浑 濃浓 濤涛 澇涝 渦涡 滌涤 潤润 澗涧 漲涨 澀涩 澱淀 淵渊 漬渍 漸渐 "
    "漁渔 滲渗 溫温 灣湾 濕湿 潰溃 濺溅 滾滚 滯滞 滿满 濾滤 濫滥 濱滨 灘滩 "
    "瀟潇 潛潜 瀾澜 瀕濒 滅灭 燈灯 靈灵 災灾 燦灿 爐炉 點点 煉炼 爍烁 爛烂 "
    "燭烛 煙烟 煩烦 燒烧 燙烫 熱热 煥焕 愛爱 爺爷 牽牵 犧牺 狀状 猶犹 獨独 "
    "狹狭 獅狮 獄狱 獵猎 豬猪 貓猫 獻献 環环 現现 瑣琐 瓊琼 電电 畫画 暢畅 "
    "療疗 瘋疯 癢痒 瘡疮 癡痴 皺皱 盞盏 鹽盐 監监 蓋盖 盜盗 盤盘 睜睁 瞞瞒 "
    "矯矫 礦矿 碼码 磚砖 礎础 碩硕 確确 礙碍 禮礼 禍祸 祿禄 禪禅 離离 禿秃 "
    "種种 積积 稱称 穩稳 窮穷 竊窃 窯窑 竄窜 窩窝 豎竖 競竞 筆笔 築筑 篩筛 "
    "籌筹 簽签 簡简 籃篮 籬篱 類类 糧粮 緊紧 糾纠 紀纪 約约 紅红 紋纹 納纳 "
    "紐纽 純纯 紗纱 紙纸 級级 紛纷 紡纺 紹绍 紳绅 細细 終终 組组 絆绊 絡络 "
    "給给 絨绒 結结 絕绝 絞绞 統统 絹绢 綁绑 經经 綜综 綠绿 綴缀 緒绪 續续 "
    "綽绰 繩绳 維维 綿绵 綱纲 網网 緩缓 締缔 編编 緯纬 線线 綫线 練练 縣县 "
    "縫缝 縮缩 縱纵 織织 繡绣 繼继 績绩 纜缆 羅罗 罰罚 罷罢 羈羁 翹翘 聳耸 "
    "恥耻 聶聂 職职 聯联 聰聪 肅肃 腸肠 膚肤 腎肾 腫肿 脹胀 脅胁 膽胆 勝胜 "
    "脈脉 髒脏 腦脑 腳脚 脫脱 臉脸 臘腊 騰腾 輿舆 艦舰 艙舱 艱艰 藝艺 節节 "
    "蘆芦 蒼苍 蘋苹 莖茎 荊荆 薦荐 蕩荡 榮荣 藥药 萊莱 蓮莲 獲获 瑩莹 螢萤 "
    "營营 蕭萧 薩萨 蔥葱 蔣蒋 藍蓝 蘊蕴 虜虏 慮虑 虛虚 蟲虫 蝦虾 雖虽 蠶蚕 "
    "蠻蛮 蠟蜡 蠅蝇 補补 襯衬 襪袜 襲袭 裝装 褲裤 見见 觀观 規规 視视 覽览 "
    "覺觉 觸触 計计 訂订 訊讯 討讨 訓训 記记 託托 訪访 設设 許许 訴诉 診诊 "
    "註注 證证 詐诈 評评 詞词 詢询 試试 詩诗 話话 該该 詳详 誌志 認认 誕诞 "
    "誘诱 語语 誠诚 誡诫 誤误 說说 説说 誰谁 課课 誼谊 調调 談谈 請请 諒谅 "
    "論论 諮咨 諾诺 謀谋 謂谓 謊谎 謎谜 謙谦 講讲 謝谢 謠谣 謹谨 識识 譜谱 "
    "譯译 議议 譽誉 讀读 讓让 讚赞 貝贝 貞贞 負负 財财 貢贡 貧贫 貨货 販贩 "
    "貪贪 貫贯 責责 貯贮 貳贰 貴贵 貶贬 貸贷 費费 貼贴 貿贸 賀贺 賄贿 資资 "
    "賊贼 賜赐 賞赏 賠赔 賢贤 賤贱 賦赋 質质 賬账 賭赌 賴赖 賺赚 購购 賽赛 "
    "贈赠 贊赞 贏赢 趕赶 趙赵 趨趋 跡迹 踐践 蹤踪 躍跃 軀躯 車车 軌轨 軒轩 "
    "軟软 軸轴 較较 載载 輔辅 輕轻 輛辆 輝辉 輩辈 輪轮 輯辑 輸输 轄辖 轉转 "
    "轟轰 辭辞 辯辩 邊边 遼辽 達达 遷迁 過过 邁迈 運运 還还 這这 進进 遠远 "
    "違违 連连 遲迟 適适 選选 遞递 邏逻 遺遗 遙遥 鄧邓 郵邮 鄰邻 鄭郑 醞酝 "
    "醬酱 釀酿 釋释 裏里 裡里 鑒鉴 鑑鉴 針针 釘钉 鈴铃 鉛铅 銀银 銅铜 鋁铝 "
    "鋒锋 錢钱 錫锡 錯错 鍋锅 鍵键 鎖锁 鎮镇 鏈链 鏡镜 鐘钟 鍾钟 鐵铁 鑄铸 "
    "鑰钥 長长 門门 閃闪 閉闭 問问 闖闯 閑闲 閒闲 間间 閘闸 閣阁 閥阀 聞闻 "
    "閱阅 闊阔 闡阐 隊队 陽阳 陰阴 陣阵 階阶 際际 陸陆 陳陈 險险 隨随 隱隐 "
    "隸隶 難难 雞鸡 霧雾 靜静 韓韩 韻韵 頁页 頂顶 項项 順顺 須须 頌颂 預预 "
    "頑顽 頒颁 頓顿 頗颇 領领 頸颈 頻频 顆颗 題题 額额 顏颜 顛颠 顧顾 顫颤 "
    "風风 颱台 飄飘 飛飞 飯饭 飲饮 飼饲 飽饱 飾饰 餅饼 餓饿 館馆 饑饥 饒饶 "
    "馬马 馳驰 馴驯 駐驻 駕驾 駛驶 騎骑 騙骗 驅驱 驗验 驕骄 驟骤 髮发 鬆松 "
    "鬍胡 鬚须 鬧闹 魚鱼 魯鲁 鮮鲜 鳥鸟 鳴鸣 鴻鸿 鷹鹰 鹵卤 鹹咸 麥麦 黃黄 "
    "齊齐 齒齿 龍龙 龜龟 臺台 檯台 擡抬 舖铺 峯峰 羣群 牀床 製制 佈布 佔占 "
    "週周 範范 準准 麼么 穀谷 隻只 衞卫 綫线 彙汇 纔才 嚮向 儘尽 啟启 託托 "
    "倖幸 屍尸 滙汇 闆板 閲阅 眾众 畫画 羨羡 硏研 研研";

struct TraditionalTable {
  static constexpr char32_t kFirst = 0x4E00;
  static constexpr char32_t kLast = 0x9FFF;
  std::vector<char32_t> map;

  TraditionalTable() : map(kLast - kFirst + 1) {
    for (char32_t c = kFirst; c <= kLast; ++c) map[c - kFirst] = c;
    std::u32string pairs = DecodeUtf8(kTraditionalPairs);
    std::size_t i = 0;
    while (i < pairs.size()) {
      if (pairs[i] == U' ') {
        ++i;
        continue;
      }
      std::size_t j = pairs.find(U' ', i);
      if (j == kNpos) j = pairs.size();
      // A token that is not exactly one pair is a typo; skip it rather than
      // shift every later pair.
      if (j - i == 2 && pairs[i] >= kFirst && pairs[i] <= kLast) {
        map[pairs[i] - kFirst] = pairs[i + 1];
      }
      i = j;
    }
  }
};

const TraditionalTable& Traditional() {
  static const TraditionalTable* table = new TraditionalTable();
  return *table;
}

bool IsOpen(char32_t c) {
  switch (c) {
    case U'(':
    case U'[':
    case U'{':
    case U'《':
    case U'“':
    case U'‘':
    case U'「':
    case U'『':
    case U'【':
    case U'〔':
    case U'〈':
    case U'〖':
      return true;
    default:
      return false;
  }
}

char32_t OpenFor(char32_t close) {
  switch (close) {
    case U')':
      return U'(';
    case U']':
      return U'[';
    case U'}':
      return U'{';
    case U'》':
      return U'《';
    case U'”':
      return U'“';
    case U'’':
      return U'‘';
    case U'」':
      return U'「';
    case U'』':
      return U'『';
    case U'】':
      return U'【';
    case U'〕':
      return U'〔';
    case U'〉':
      return U'〈';
    case U'〗':
      return U'〖';
    default:
      return 0;
  }
}

// Tracks bracket and quote nesting while scanning left to right. Unbalanced
// closers are ignored so that one stray bracket does not swallow the rest of
// a document.
class BracketDepth {
 public:
  void Step(char32_t c) {
    if (c == U'"') {
      in_ascii_quote_ = !in_ascii_quote_;
      return;
    }
    if (IsOpen(c)) {
      stack_.push_back(c);
    } else if (char32_t open = OpenFor(c); open != 0) {
      // Pop back to the matching opener if there is one.
      for (std::size_t k = stack_.size(); k > 0; --k) {
        if (stack_[k - 1] == open) {
          stack_.resize(k - 1);
          break;
        }
      }
    }
  }
  bool Inside() const { return !stack_.empty() || in_ascii_quote_; }

 private:
  std::vector<char32_t> stack_;
  bool in_ascii_quote_ = false;
};

}  // namespace

char32_t NormalizeChar(char32_t c) {
  if (c < 0x80) return c;
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
  if (c >= TraditionalTable::kFirst && c <= TraditionalTable::kLast) {
    return Traditional().map[c - TraditionalTable::kFirst];
  }
  switch (c) {
    case 0x3000:  // ideographic space
    case 0x00A0:  // no-break space
    case 0xFEFF:  // BOM / zero-width no-break space
    case 0x200B:  // zero-width space
    case 0x2002:
    case 0x2003:
    case 0x2009:
      return U' ';
    case 0xFF61:
      return U'。';
    case 0xFE5D:
      return U'〔';
    case 0xFE5E:
      return U'〕';
    case 0x25CB:  // ○ used as a zero in dates
    case 0x3007:
      return U'〇';
    case 0x2502:  // │ box drawing, a table rule
    case 0x2503:
      return U'|';
    case 0x2014:  // — and – as range dashes
    case 0x2013:
    case 0x2015:
    case 0x2212:
      return U'-';
    case 0x2236:  // ∶ ratio sign used as a colon
      return U':';
    default:
      return c;
  }
}

std::u32string Normalize(std::u32string_view raw) {
  std::u32string out(raw.size(), U'\0');
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = NormalizeChar(raw[i]);
  return out;
}

Text Text::FromUtf8(absl::string_view utf8) {
  return FromRaw(DecodeUtf8(utf8));
}

Text Text::FromRaw(std::u32string_view raw) {
  Text t;
  t.raw.assign(raw.begin(), raw.end());
  t.norm = Normalize(raw);
  return t;
}

Text Text::Sub(std::size_t pos, std::size_t len) const {
  Text t;
  if (pos >= raw.size()) return t;
  t.raw = raw.substr(pos, len);
  t.norm = norm.substr(pos, len);
  return t;
}

void Text::Append(const Text& other) {
  raw += other.raw;
  norm += other.norm;
}

void Text::AppendRaw(std::u32string_view more) {
  raw.append(more.begin(), more.end());
  norm += Normalize(more);
}

std::string Text::Utf8() const { return EncodeUtf8(raw); }

bool Text::StartsWith(std::u32string_view prefix) const {
  return norm.size() >= prefix.size() &&
         std::u32string_view(norm).substr(0, prefix.size()) == prefix;
}

bool Text::EndsWith(std::u32string_view suffix) const {
  return norm.size() >= suffix.size() &&
         std::u32string_view(norm).substr(norm.size() - suffix.size()) ==
             suffix;
}

std::size_t Text::Find(std::u32string_view needle, std::size_t from) const {
  return std::u32string_view(norm).find(needle, from);
}

std::u32string DecodeUtf8(absl::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    char32_t cp;
    int len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else {
      cp = c & 0x07;
      len = 4;
    }
    if (i + len > n) break;
    for (int k = 1; k < len; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char32_t c : text) AppendUtf8(c, &out);
  return out;
}

std::size_t Utf8Size(std::u32string_view text) {
  std::size_t n = 0;
  for (char32_t c : text) {
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

std::size_t FindInvalidUtf8(absl::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    char32_t cp;
    char32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return kNpos;
}

bool IsSpace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\r' || c == U'\n' || c == U'\f' ||
         c == U'\v' || c == 0x3000 || c == 0xA0 || c == 0xFEFF || c == 0x200B;
}

bool IsHan(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF);
}

bool IsDigit(char32_t c) { return c >= U'0' && c <= U'9'; }

bool IsAsciiLetter(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}

bool IsOpenBracket(char32_t c) { return IsOpen(c); }
bool IsCloseBracket(char32_t c) { return OpenFor(c) != 0; }

bool IsListSeparator(char32_t c) {
  return c == U'、' || c == U',' || c == U';';
}

Text Trim(const Text& t) {
  std::size_t b = 0;
  std::size_t e = t.norm.size();
  while (b < e && IsSpace(t.norm[b])) ++b;
  while (e > b && IsSpace(t.norm[e - 1])) --e;
  if (b == 0 && e == t.norm.size()) return t;
  return t.Sub(b, e - b);
}

std::size_t SkipSpaces(std::u32string_view s, std::size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

std::u32string_view TrimView(std::u32string_view s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::u32string StripSpaces(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (!IsSpace(c)) out.push_back(c);
  }
  return out;
}

namespace {
int DigitValue(char32_t c) {
  switch (c) {
    case U'〇':
    case U'零':
      return 0;
    case U'一':
      return 1;
    case U'二':
    case U'两':
      return 2;
    case U'三':
      return 3;
    case U'四':
      return 4;
    case U'五':
      return 5;
    case U'六':
      return 6;
    case U'七':
      return 7;
    case U'八':
      return 8;
    case U'九':
      return 9;
    default:
      return -1;
  }
}
}  // namespace

bool IsChineseNumeralChar(char32_t c) {
  return DigitValue(c) >= 0 || c == U'十';
}

int ChineseNumberValue(std::u32string_view s) {
  if (s.empty() || s.size() > 3) return -1;
  std::size_t ten = s.find(U'十');
  if (ten == std::u32string_view::npos) {
    if (s.size() != 1) return -1;
    int v = DigitValue(s[0]);
    return v > 0 ? v : -1;
  }
  int tens = 1;
  if (ten == 1) {
    tens = DigitValue(s[0]);
    if (tens <= 1) return -1;  // 一十 is not how documents number
  } else if (ten != 0) {
    return -1;
  }
  int units = 0;
  if (ten + 1 < s.size()) {
    if (ten + 2 != s.size()) return -1;
    units = DigitValue(s[ten + 1]);
    if (units <= 0) return -1;
  }
  return tens * 10 + units;
}

bool IsFullStop(std::u32string_view norm, std::size_t i) {
  char32_t c = norm[i];
  if (c == U'。' || c == U'!' || c == U'?') return true;
  if (c != U'.') return false;
  // A '.' ends a sentence only in prose: not in 2.0, not in 1. (a number),
  // not after a Latin word (e.g., version names).
  char32_t prev = i > 0 ? norm[i - 1] : U' ';
  char32_t next = i + 1 < norm.size() ? norm[i + 1] : U' ';
  if (IsDigit(prev) || IsAsciiLetter(prev) || IsSpace(prev) || prev == U'.') {
    return false;
  }
  if (IsDigit(next) || next == U'.') return false;
  return true;
}

bool IsSentenceEnd(std::u32string_view norm, std::size_t i) {
  return norm[i] == U';' || IsFullStop(norm, i);
}

std::size_t FindFirstFullStop(std::u32string_view norm, std::size_t from) {
  BracketDepth depth;
  for (std::size_t i = 0; i < norm.size(); ++i) {
    char32_t c = norm[i];
    if (i >= from && !depth.Inside() && IsFullStop(norm, i)) return i;
    depth.Step(c);
  }
  return kNpos;
}

std::size_t MatchingOpen(std::u32string_view norm, std::size_t close) {
  char32_t open = OpenFor(norm[close]);
  if (open == 0) return kNpos;
  int level = 0;
  for (std::size_t k = close + 1; k > 0; --k) {
    char32_t c = norm[k - 1];
    if (c == norm[close]) {
      ++level;
    } else if (c == open) {
      if (--level == 0) return k - 1;
    }
  }
  return kNpos;
}

std::vector<Text> SplitOutsideBrackets(const Text& t,
                                       std::u32string_view separators) {
  std::vector<Text> out;
  BracketDepth depth;
  std::size_t start = 0;
  auto flush = [&](std::size_t end) {
    Text piece = Trim(t.Sub(start, end - start));
    if (!piece.empty()) out.push_back(std::move(piece));
  };
  for (std::size_t i = 0; i < t.norm.size(); ++i) {
    char32_t c = t.norm[i];
    if (!depth.Inside() && separators.find(c) != std::u32string_view::npos) {
      flush(i);
      start = i + 1;
      continue;
    }
    depth.Step(c);
  }
  flush(t.norm.size());
  return out;
}

std::vector<Text> SplitSentences(const Text& t) {
  std::vector<Text> out;
  BracketDepth depth;
  std::size_t start = 0;
  auto flush = [&](std::size_t end) {
    Text piece = Trim(t.Sub(start, end - start));
    if (!piece.empty()) out.push_back(std::move(piece));
    start = end;
  };
  for (std::size_t i = 0; i < t.norm.size(); ++i) {
    char32_t c = t.norm[i];
    if (c == U'\n') {
      // A line break always separates measures, even inside an unbalanced
      // quote: paragraphs never share a sentence.
      flush(i);
      start = i + 1;
      depth = BracketDepth();
      continue;
    }
    if (!depth.Inside() && IsSentenceEnd(t.norm, i)) {
      // Keep a closing quote or bracket that follows the terminator with it.
      std::size_t end = i + 1;
      flush(end);
      continue;
    }
    depth.Step(c);
  }
  flush(t.norm.size());
  return out;
}

int DisplayWidth(std::u32string_view s) {
  int w = 0;
  for (char32_t c : s) w += c < 0x1100 ? 1 : 2;
  return w;
}

}  // namespace duban::plan
