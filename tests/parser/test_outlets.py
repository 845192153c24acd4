#!/usr/bin/python3
"""The Korean outlets as they are in late 2026 (issue 13), through the site
rules of config/malmoi.ini:
  - real saved pages (tests/data/parser/korean): Chosun is served by the
    Fusion.globalContent path (embedded), on www and biz.chosun.com alike;
    fundus's "MBN" pages are mk.co.kr pages and fall under [site mk]; the
    MBN TV pages under [site mbn]; Hankook Ilbo's new /news/article/ URLs
    under [site hankookilbo];
  - pages built from the markup the 2026 public facts describe (no saved page
    exists; tests/data/parser/outlets/synthetic-*): JTBC's JSON-LD in
    script#article-structured-data, Naver's date / modified date / byline,
    Daum's title and body, Donga's <br> paragraphs, JoongAng's
    #article_body, Hani's article#renewal2023 and its __NEXT_DATA__ list.
The expected values are read off the markup by hand, not from our output."""
import gzip, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from kofix import extract  # noqa: E402

DATA = os.path.join(os.environ.get('MALMOI_TEST_DATA', os.path.join(HERE, '..', 'data')), 'parser')
SRC = os.environ.get('MALMOI_SOURCE', os.path.join(HERE, '..', '..'))
CONFIG = os.path.join(SRC, 'config', 'malmoi.ini')
fails = []


def check(cond, msg):
    if not cond:
        fails.append(msg)
        print('FAIL:', msg, file=sys.stderr)


def page(name):
    path = os.path.join(DATA, name)
    return gzip.open(path).read() if name.endswith('.gz') else open(path, 'rb').read()


def expect(name, url, want):
    d = extract(page(name), url=url, config=CONFIG)
    for k, v in want.items():
        check(d[k] == v, f'{name}: {k} = {d[k]!r}, expected {v!r}')
    return d


# ---- real pages ----
for i in range(1, 5):
    for host in ('www', 'biz'):
        url = f'https://{host}.chosun.com/economy/2026/07/0{i}/ABCDEFGHIJKLMNOPQRSTUV{i}/'
        expect(f'korean/chosun-0{i}.html.gz', url,
               {'rule': 'chosun', 'method': 'embedded', 'embedded': 'fusion', 'rule_fallback': False})
for day in ('2025_05_27', '2025_05_28', '2025_05_29', '2025_05_30', '2025_06_03'):
    expect(f'korean/fundus-MBN_{day}.html.gz', 'https://www.mk.co.kr/news/economy/11330000',
           {'rule': 'mk', 'method': 'rule', 'rule_fallback': False})
for i in (1, 2, 3):
    expect(f'korean/mbn-0{i}.html.gz', 'https://www.mbn.co.kr/news/economy/4917667',
           {'rule': 'mbn', 'method': 'rule'})
for day in ('2026_01_29', '2026_07_12'):
    expect(f'korean/fundus-HankookIlbo_{day}.html.gz', 'https://www.hankookilbo.com/news/article/A2026071220290000630',
           {'rule': 'hankookilbo', 'method': 'embedded', 'rule_fallback': False})

# ---- pages built from the 2026 facts ----
O = 'outlets/'
expect(O + 'synthetic-jtbc-2026.html', 'https://news.jtbc.co.kr/article/NB12270001', {
    'rule': 'jtbc', 'method': 'embedded', 'embedded': 'json-ld', 'rule_fallback': False,
    'title': '서울 도심 첫눈, 출근길 교통 혼잡 이어져', 'published': '2026-11-18T07:41:00+09:00',
    'authors': ['박서연'],
    'text': '오늘 아침 서울 도심에 올겨울 첫눈이 내리면서 출근길 곳곳에서 차량 정체가 이어졌습니다.\n'
            '기상청은 오전 중 눈이 그치겠지만 기온이 영하로 떨어져 도로가 얼어붙을 수 있다며 안전 운전을 당부했습니다.\n'
            '서울시는 제설 차량 수백 대를 주요 간선도로에 투입했고, 지하철은 출근 시간대 운행을 평소보다 늘렸습니다.\n'
            '시민들은 갑작스러운 눈에 발걸음을 재촉하면서도 창밖 풍경을 사진으로 남기기도 했습니다.'})
expect(O + 'synthetic-naver-2026.html', 'https://n.news.naver.com/mnews/article/016/0002213344', {
    'rule': 'naver', 'method': 'rule', 'published': '2023-09-07T12:22:02+09:00',
    'modified': '2023-09-07T14:03:10+09:00', 'authors': ['김하늘'],
    'text': '전통시장에서 카드와 간편결제를 쓰는 손님이 늘면서 상인들의 매출도 조금씩 회복되고 있다.\n'
            '중소벤처기업부가 7일 발표한 조사에 따르면 올해 상반기 전통시장 점포의 평균 매출은 지난해 같은 기간보다 4.2% 늘었다.\n'
            '현금만 받던 점포 가운데 절반가량이 최근 2년 사이 카드 단말기를 새로 들여놓은 것으로 나타났다.\n'
            '상인회 관계자는 "젊은 손님들이 결제가 편해졌다며 다시 찾는다"고 말했다.'})
expect(O + 'synthetic-daum-2026.html', 'https://v.daum.net/v/20261019091500123', {
    'rule': 'daum', 'method': 'rule', 'title': '가을 단풍 절정, 설악산 탐방객 몰려',
    'text': '설악산 국립공원에 단풍이 절정을 맞으면서 주말 동안 탐방객 수만 명이 몰렸다.\n'
            '국립공원공단은 19일 오전 기준 주요 탐방로 입구 주차장이 모두 찼다며 대중교통을 이용해 달라고 당부했다.\n'
            '공단은 다음 주말까지 단풍이 이어질 것으로 보고 안전 요원을 추가로 배치하기로 했다.'})
expect(O + 'synthetic-donga-2026.html', 'https://www.donga.com/news/Society/article/all/20261101/130001234/1', {
    'rule': 'donga', 'method': 'rule',
    'text': '지역 공공도서관들이 평일 밤 10시까지 문을 열기 시작하면서 퇴근한 직장인과 학생들의 발길이 이어지고 있다.\n'
            '시 교육청은 지난달부터 관내 도서관 12곳의 운영 시간을 늘렸고, 한 달 만에 야간 이용자가 두 배 가까이 늘었다고 밝혔다.\n'
            '도서관 관계자는 "저녁 시간대 열람실 좌석이 부족할 정도"라며 내년에는 주말 야간 개방도 검토하겠다고 말했다.\n'
            '주민들은 늦은 시간에도 조용히 책을 읽을 수 있는 공간이 생겼다며 반기고 있다.'})
expect(O + 'synthetic-joongang-2026.html', 'https://www.joongang.co.kr/article/25301234', {
    'rule': 'joongang', 'method': 'rule', 'title': '청년 창업 지원금 신청 다음 달 시작',
    'text': '정부가 청년 창업자를 위한 지원금 신청을 다음 달 1일부터 받는다고 밝혔다.\n'
            '지원 대상은 만 39세 이하 예비 창업자와 창업 3년 이내 기업 대표로, 최대 1억원까지 지원된다.\n'
            '담당 부처는 올해 경쟁률이 지난해보다 높아질 것으로 보고 심사 기준을 미리 공개하기로 했다.'})
expect(O + 'synthetic-hani-2026.html', 'https://www.hani.co.kr/arti/society/environment/1214100.html', {
    'rule': 'hani', 'method': 'rule',
    'text': '겨울 철새가 찾아오는 하천과 호수 주변에서 조류인플루엔자 방역이 강화된다.\n'
            '농림축산식품부는 다음 달부터 전국 철새 도래지 37곳에 소독 차량을 매일 보내기로 했다고 밝혔다.\n'
            '가금류 농가에는 외부인 출입을 막고 축사 소독을 하루 두 번 이상 하라고 안내했다.'})
d = expect(O + 'synthetic-hani-2026-list.html', 'https://www.hani.co.kr/arti?page=1', {'rule': 'hani'})
links = [l['url'] for l in d['links']]
check(links == ['https://www.hani.co.kr/arti/society/society_general/1214001.html',
                'https://www.hani.co.kr/arti/politics/assembly/1213990.html',
                'https://www.hani.co.kr/arti/economy/economy_general/1213985.html'],
      f'hani list links: {links}')

if fails:
    print(f'{len(fails)} check(s) failed', file=sys.stderr)
    sys.exit(1)
print('ok')
