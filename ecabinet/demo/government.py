"""A fictional Vietnamese Government for demos and tests.

The structure follows the Government of the 2021-2026 term before the 2025 merger of
ministries: the Prime Minister, four Deputy Prime Ministers, eighteen ministers and four
heads of ministerial-level agencies, 27 members, the size the quorum and pass rules in
DOMAIN.md are worked out for. Every name is invented; any likeness to a real office holder
is a coincidence. The figures in the documents are made up and only look plausible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["chair", "member", "secretariat", "observer"]
Classification = Literal["public", "internal", "mat"]
ItemKind = Literal["decision", "discussion", "report"]

# Clearance levels, comparable with ecabinet.vocab.Classification.
PUBLIC, INTERNAL, MAT, TOI_MAT, TUYET_MAT = 0, 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class Person:
    full_name: str
    title_vi: str
    title_en: str
    role: Role
    clearance: int
    email: str


@dataclass(frozen=True, slots=True)
class Body:
    name: str
    short_name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Document:
    title_vi: str
    classification: Classification
    classification_basis: str
    # What follows "Số: .../" in the header, e.g. "TTr-BTC".
    symbol: str
    body: tuple[str, ...]
    # Who issues the text when it is not the presenting agency: a draft decree is
    # presented by a ministry but issued by the Government.
    issuer: str = ""
    title_en: str = ""
    # A second version, revised after the ministries' comments, and what changed in it.
    revision: tuple[str, ...] = ()
    revision_note: str = ""


@dataclass(frozen=True, slots=True)
class AgendaItem:
    title_vi: str
    title_en: str
    presenter: str
    kind: ItemKind
    summary_vi: str
    documents: tuple[Document, ...]
    summary_en: str = ""


BODY = Body(
    name="Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam",
    short_name="Chính phủ",
    name_en="Government of the Socialist Republic of Viet Nam",
)

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def meeting_titles(month: int) -> tuple[str, str]:
    """The regular session is named for the month it is held in (Vietnamese, English)."""
    return (
        f"Phiên họp Chính phủ thường kỳ tháng {month}",
        f"Regular Government session for {_MONTHS_EN[month - 1]}",
    )


MEETING_SUMMARY_VI = (
    "Phiên họp thường kỳ xem xét tình hình kinh tế - xã hội 9 tháng, giải "
    "ngân vốn đầu tư công, ba dự thảo văn bản quy phạm pháp luật, một đề nghị "
    "xây dựng luật và khắc phục hậu quả bão số 4."
)
MEETING_SUMMARY_EN = (
    "The regular session reviews the first nine months, the disbursement of "
    "public investment, three draft legal documents, a proposal for a law "
    "and the recovery from Typhoon No. 4."
)

_MAIL = "@chinhphu.example"


def _member(name: str, title_vi: str, title_en: str, clearance: int, mail: str) -> Person:
    return Person(name, title_vi, title_en, "member", clearance, mail + _MAIL)


# fmt: off
# One person per entry, as in the official list; the formatter would spread each over
# six lines.
MEMBERS: tuple[Person, ...] = (
    Person("Trần Quốc Khải", "Thủ tướng Chính phủ", "Prime Minister", "chair", TUYET_MAT,
           "khai.tran" + _MAIL),
    _member("Vũ Hoàng Phong", "Phó Thủ tướng Thường trực Chính phủ",
            "Permanent Deputy Prime Minister", TUYET_MAT, "phong.vu"),
    _member("Phạm Thị Ngọc Diệp", "Phó Thủ tướng Chính phủ", "Deputy Prime Minister",
            TUYET_MAT, "diep.pham"),
    _member("Đỗ Văn Khang", "Phó Thủ tướng Chính phủ", "Deputy Prime Minister",
            TUYET_MAT, "khang.do"),
    _member("Ngô Quang Vinh", "Phó Thủ tướng Chính phủ", "Deputy Prime Minister",
            TUYET_MAT, "vinh.ngo"),
    _member("Đinh Văn Cường", "Bộ trưởng Bộ Quốc phòng", "Minister of National Defence",
            TUYET_MAT, "cuong.dinh"),
    _member("Lã Đức Thịnh", "Bộ trưởng Bộ Công an", "Minister of Public Security",
            TUYET_MAT, "thinh.la"),
    _member("Tôn Nữ Bảo Châu", "Bộ trưởng Bộ Ngoại giao", "Minister of Foreign Affairs",
            TOI_MAT, "chau.ton"),
    _member("Vương Thị Kim Oanh", "Bộ trưởng Bộ Nội vụ", "Minister of Home Affairs",
            TOI_MAT, "oanh.vuong"),
    _member("Cao Xuân Thành", "Bộ trưởng Bộ Tư pháp", "Minister of Justice",
            TOI_MAT, "thanh.cao"),
    _member("Mai Thế Hiển", "Bộ trưởng Bộ Kế hoạch và Đầu tư",
            "Minister of Planning and Investment", TOI_MAT, "hien.mai"),
    _member("Lưu Thị Thanh Hương", "Bộ trưởng Bộ Tài chính", "Minister of Finance",
            TOI_MAT, "huong.luu"),
    _member("Bạch Quang Huy", "Bộ trưởng Bộ Công Thương", "Minister of Industry and Trade",
            TOI_MAT, "huy.bach"),
    _member("Hà Văn Lộc", "Bộ trưởng Bộ Nông nghiệp và Phát triển nông thôn",
            "Minister of Agriculture and Rural Development", TOI_MAT, "loc.ha"),
    _member("Trịnh Công Khanh", "Bộ trưởng Bộ Giao thông vận tải", "Minister of Transport",
            TOI_MAT, "khanh.trinh"),
    _member("Kiều Minh Nhật", "Bộ trưởng Bộ Xây dựng", "Minister of Construction",
            TOI_MAT, "nhat.kieu"),
    _member("Phùng Thị Ngọc Lan", "Bộ trưởng Bộ Tài nguyên và Môi trường",
            "Minister of Natural Resources and Environment", TOI_MAT, "lan.phung"),
    _member("Đặng Hữu Nghĩa", "Bộ trưởng Bộ Thông tin và Truyền thông",
            "Minister of Information and Communications", TOI_MAT, "nghia.dang"),
    _member("Quách Thị Minh Nguyệt", "Bộ trưởng Bộ Lao động - Thương binh và Xã hội",
            "Minister of Labour, Invalids and Social Affairs", TOI_MAT, "nguyet.quach"),
    _member("Tạ Quang Lâm", "Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch",
            "Minister of Culture, Sports and Tourism", TOI_MAT, "lam.ta"),
    _member("Hồ Sĩ Nguyên", "Bộ trưởng Bộ Khoa học và Công nghệ",
            "Minister of Science and Technology", TOI_MAT, "nguyen.ho"),
    _member("Âu Thị Tuyết Nhung", "Bộ trưởng Bộ Giáo dục và Đào tạo",
            "Minister of Education and Training", TOI_MAT, "nhung.au"),
    _member("Chu Thị Phương Thảo", "Bộ trưởng Bộ Y tế", "Minister of Health",
            TOI_MAT, "thao.chu"),
    _member("Lường Văn Thuận", "Bộ trưởng, Chủ nhiệm Ủy ban Dân tộc",
            "Minister, Chairman of the Committee for Ethnic Minority Affairs", TOI_MAT,
            "thuan.luong"),
    _member("Lâm Thị Bích Ngọc", "Thống đốc Ngân hàng Nhà nước Việt Nam",
            "Governor of the State Bank of Viet Nam", TOI_MAT, "ngoc.lam"),
    _member("Dương Văn Hiếu", "Tổng Thanh tra Chính phủ", "Inspector General of the Government",
            TOI_MAT, "hieu.duong"),
    _member("Từ Minh Khoa", "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ",
            "Minister, Chairman of the Government Office", TUYET_MAT, "khoa.tu"),
)

SECRETARIAT: tuple[Person, ...] = (
    Person("Nghiêm Thị Hồng Vân", "Vụ trưởng Vụ Tổng hợp, Văn phòng Chính phủ",
           "Director of the General Affairs Department, Government Office", "secretariat",
           TOI_MAT, "van.nghiem" + _MAIL),
    Person("Tống Đức Minh", "Chuyên viên chính Vụ Tổng hợp, thư ký phiên họp",
           "Principal Officer, General Affairs Department; session secretary", "secretariat",
           MAT, "minh.tong" + _MAIL),
)

OBSERVERS: tuple[Person, ...] = (
    Person("Ninh Thị Hải Yến", "Phó Chủ nhiệm Văn phòng Chủ tịch nước",
           "Vice Chairwoman of the Office of the President", "observer", INTERNAL,
           "yen.ninh" + _MAIL),
)
# fmt: on


AGENDA: tuple[AgendaItem, ...] = (
    AgendaItem(
        title_vi="Báo cáo tình hình kinh tế - xã hội tháng 9 và 9 tháng; nhiệm vụ, giải pháp "
        "trọng tâm quý IV",
        title_en="Socio-economic situation in September and the first nine months; key tasks "
        "for the fourth quarter",
        presenter="Bộ Kế hoạch và Đầu tư",
        kind="report",
        summary_vi="Bộ Kế hoạch và Đầu tư báo cáo kết quả thực hiện các chỉ tiêu kinh tế - xã "
        "hội tháng 9 và 9 tháng, chỉ rõ những tồn tại, hạn chế và nguyên nhân. Báo cáo đề xuất "
        "các nhiệm vụ, giải pháp trọng tâm trong quý IV để phấn đấu hoàn thành cao nhất mục "
        "tiêu cả năm. Các thành viên Chính phủ cho ý kiến về đánh giá tình hình và dự báo.",
        summary_en=(
            "The Ministry of Planning and Investment reports on the socio-economic targets for "
            "September and the first nine months, the shortcomings and their causes, and proposes"
            " the key tasks for the fourth quarter."
        ),
        documents=(
            Document(
                title_vi="Báo cáo tình hình kinh tế - xã hội tháng 9 và 9 tháng, nhiệm vụ, "
                "giải pháp trọng tâm quý IV",
                classification="internal",
                classification_basis="Số liệu ước tính chưa được cơ quan thống kê công bố "
                "chính thức, chỉ sử dụng phục vụ phiên họp Chính phủ.",
                symbol="BC-BKHĐT",
                title_en=(
                    "Report on the socio-economic situation in September and the "
                    "first nine months; key tasks for the fourth quarter"
                ),
                body=(
                    "I. TÌNH HÌNH KINH TẾ - XÃ HỘI 9 THÁNG",
                    "Trong bối cảnh kinh tế thế giới diễn biến phức tạp, thương mại toàn cầu "
                    "tăng chậm, kinh tế nước ta tiếp tục xu hướng phục hồi tích cực. Tổng sản "
                    "phẩm trong nước quý III ước tăng 6,8% so với cùng kỳ năm trước, cao hơn "
                    "mức tăng của hai quý đầu năm; tính chung 9 tháng tăng khoảng 6,4%.",
                    "Kinh tế vĩ mô cơ bản ổn định, lạm phát được kiểm soát; chỉ số giá tiêu "
                    "dùng bình quân 9 tháng tăng 3,6%. Thu ngân sách nhà nước ước đạt 82% dự "
                    "toán năm. Kim ngạch xuất khẩu hàng hóa tăng 15,1%, cán cân thương mại "
                    "tiếp tục xuất siêu.",
                    "Tuy nhiên, sản xuất kinh doanh ở một số ngành còn khó khăn; số doanh "
                    "nghiệp rút lui khỏi thị trường vẫn ở mức cao. Giải ngân vốn đầu tư công "
                    "chưa đạt yêu cầu; thiệt hại do thiên tai tại các tỉnh miền núi phía Bắc "
                    "ảnh hưởng lớn đến đời sống người dân.",
                    "II. NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM QUÝ IV",
                    "Tiếp tục ưu tiên thúc đẩy tăng trưởng gắn với giữ vững ổn định kinh tế vĩ "
                    "mô, kiểm soát lạm phát, bảo đảm các cân đối lớn của nền kinh tế. Điều hành "
                    "chính sách tiền tệ chủ động, linh hoạt, phối hợp đồng bộ với chính sách "
                    "tài khóa mở rộng có trọng tâm, trọng điểm.",
                    "Các bộ, cơ quan, địa phương quyết liệt đẩy mạnh giải ngân vốn đầu tư công, "
                    "phấn đấu tỷ lệ giải ngân cả năm đạt trên 95% kế hoạch được giao; tập trung "
                    "khắc phục hậu quả thiên tai, sớm ổn định đời sống nhân dân.",
                ),
            ),
        ),
    ),
    AgendaItem(
        title_vi="Tình hình phân bổ, giải ngân vốn đầu tư công 9 tháng",
        title_en="Allocation and disbursement of public investment in the first nine months",
        presenter="Bộ Kế hoạch và Đầu tư",
        kind="discussion",
        summary_vi="Đến hết tháng 9, tỷ lệ giải ngân vốn đầu tư công cả nước đạt khoảng 47% kế "
        "hoạch Thủ tướng Chính phủ giao, thấp hơn cùng kỳ năm trước. Nguyên nhân chủ yếu là "
        "vướng mắc trong giải phóng mặt bằng và nguồn vật liệu xây dựng. Đề nghị Chính phủ "
        "thảo luận phương án điều chuyển vốn từ các dự án chậm giải ngân.",
        summary_en=(
            "By the end of September about 47% of the public investment plan was disbursed, less "
            "than a year earlier, mainly because of land clearance and construction materials. "
            "The Government is asked to discuss moving funds away from slow projects."
        ),
        documents=(
            Document(
                title_vi="Báo cáo tình hình thực hiện và giải ngân kế hoạch vốn đầu tư công "
                "9 tháng",
                classification="public",
                classification_basis="",
                symbol="BC-BKHĐT",
                title_en=(
                    "Report on the implementation and disbursement of the public "
                    "investment plan in the first nine months"
                ),
                body=(
                    "Kế hoạch vốn đầu tư công nguồn ngân sách nhà nước năm nay đã được Thủ "
                    "tướng Chính phủ giao chi tiết cho các bộ, cơ quan trung ương và địa "
                    "phương. Đến ngày 30 tháng 9, số vốn còn lại chưa phân bổ chiếm khoảng 3% "
                    "tổng kế hoạch, chủ yếu thuộc các dự án chưa hoàn thiện thủ tục đầu tư.",
                    "Ước giải ngân đến hết tháng 9 đạt khoảng 47% kế hoạch được giao. Có 12 bộ, "
                    "cơ quan trung ương và 29 địa phương có tỷ lệ giải ngân trên mức bình quân "
                    "chung; 31 bộ, cơ quan trung ương và 18 địa phương giải ngân dưới mức bình "
                    "quân.",
                    "Các nguyên nhân chủ yếu gồm: công tác bồi thường, hỗ trợ, tái định cư còn "
                    "chậm; nguồn cung đất, cát đắp nền cho các dự án giao thông trọng điểm "
                    "chưa đáp ứng; năng lực một số chủ đầu tư và nhà thầu còn hạn chế.",
                    "Bộ Kế hoạch và Đầu tư kiến nghị Chính phủ cho phép điều chuyển vốn từ các "
                    "dự án không có khả năng giải ngân sang các dự án có khả năng giải ngân tốt "
                    "và còn thiếu vốn, hoàn thành trong thời hạn 30 ngày.",
                    "Đề nghị các bộ, cơ quan, địa phương phân công lãnh đạo trực tiếp phụ trách "
                    "từng dự án, gắn trách nhiệm người đứng đầu với kết quả giải ngân, xử lý "
                    "nghiêm các trường hợp gây nhũng nhiễu, cản trở.",
                ),
            ),
        ),
    ),
    AgendaItem(
        title_vi="Dự thảo Nghị định quy định chính sách giảm thuế giá trị gia tăng",
        title_en="Draft Decree on the reduction of value-added tax",
        presenter="Bộ Tài chính",
        kind="decision",
        summary_vi="Thực hiện Nghị quyết của Quốc hội, Bộ Tài chính trình dự thảo Nghị định "
        "giảm 2% thuế suất thuế giá trị gia tăng đối với nhóm hàng hóa, dịch vụ đang áp dụng "
        "mức thuế suất 10% trong 6 tháng đầu năm sau. Dự thảo đã được lấy ý kiến các bộ, ngành, "
        "địa phương và được Bộ Tư pháp thẩm định. Đề nghị Chính phủ biểu quyết thông qua.",
        summary_en=(
            "The Ministry of Finance proposes cutting the 10% VAT rate by two points for six "
            "months, as the National Assembly resolved. The draft was consulted on and appraised "
            "by the Ministry of Justice; the Government is asked to adopt it."
        ),
        documents=(
            Document(
                title_vi="Tờ trình về dự thảo Nghị định quy định chính sách giảm thuế giá trị "
                "gia tăng",
                classification="mat",
                classification_basis="Phương án điều chỉnh thuế suất và số liệu dự kiến giảm "
                "thu ngân sách chưa công bố, thuộc danh mục bí mật nhà nước độ Mật lĩnh vực "
                "tài chính.",
                symbol="TTr-BTC",
                title_en="Submission on the draft Decree on the reduction of value-added tax",
                body=(
                    "Thực hiện Nghị quyết kỳ họp thứ tám của Quốc hội, Bộ Tài chính đã chủ trì, "
                    "phối hợp với các bộ, cơ quan liên quan xây dựng dự thảo Nghị định quy định "
                    "chính sách giảm thuế giá trị gia tăng. Bộ Tài chính kính trình Chính phủ "
                    "như sau.",
                    "Việc giảm thuế giá trị gia tăng trong các năm qua đã góp phần giảm giá "
                    "thành hàng hóa, dịch vụ, kích thích tiêu dùng và hỗ trợ doanh nghiệp phục "
                    "hồi sản xuất kinh doanh. Tiếp tục thực hiện chính sách là cần thiết trong "
                    "bối cảnh tổng cầu còn yếu.",
                    "Dự kiến số thu ngân sách nhà nước giảm khoảng 24 nghìn tỷ đồng trong 6 "
                    "tháng. Mức giảm này đã được tính toán trong dự toán ngân sách năm sau trình "
                    "Quốc hội và không ảnh hưởng đến các nhiệm vụ chi đã được phê duyệt.",
                    "Dự thảo đã được gửi lấy ý kiến 63 tỉnh, thành phố trực thuộc trung ương và "
                    "các hiệp hội doanh nghiệp; đa số ý kiến thống nhất với phạm vi giảm thuế. "
                    "Bộ Tư pháp đã thẩm định, các ý kiến thẩm định đã được tiếp thu đầy đủ.",
                    "Bộ Tài chính kính trình Chính phủ xem xét, thông qua để ban hành Nghị định "
                    "trước ngày 31 tháng 12, bảo đảm có hiệu lực từ ngày 01 tháng 01 năm sau.",
                ),
            ),
            Document(
                title_vi="Dự thảo Nghị định quy định chính sách giảm thuế giá trị gia tăng",
                classification="public",
                classification_basis="",
                symbol="NĐ-CP",
                title_en="Draft Decree on the reduction of value-added tax",
                issuer="Chính phủ",
                body=(
                    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;",
                    "Căn cứ Luật Thuế giá trị gia tăng;",
                    "Theo đề nghị của Bộ trưởng Bộ Tài chính;",
                    "Chính phủ ban hành Nghị định quy định chính sách giảm thuế giá trị gia tăng.",
                    "Điều 1. Giảm thuế giá trị gia tăng",
                    "1. Giảm thuế giá trị gia tăng đối với các nhóm hàng hóa, dịch vụ đang áp "
                    "dụng mức thuế suất 10%, trừ viễn thông, hoạt động tài chính, ngân hàng, "
                    "chứng khoán, bảo hiểm, kinh doanh bất động sản, kim loại, sản phẩm khai "
                    "khoáng và hàng hóa, dịch vụ chịu thuế tiêu thụ đặc biệt.",
                    "2. Cơ sở kinh doanh tính thuế theo phương pháp khấu trừ được áp dụng mức "
                    "thuế suất 8% đối với hàng hóa, dịch vụ quy định tại khoản 1 Điều này.",
                    "Điều 2. Hiệu lực thi hành",
                    "Nghị định này có hiệu lực thi hành từ ngày 01 tháng 01 đến hết ngày 30 "
                    "tháng 6. Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Chủ tịch Ủy ban nhân "
                    "dân các tỉnh, thành phố trực thuộc trung ương chịu trách nhiệm thi hành "
                    "Nghị định này.",
                ),
                revision=(
                    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;",
                    "Căn cứ Luật Thuế giá trị gia tăng;",
                    "Theo đề nghị của Bộ trưởng Bộ Tài chính;",
                    "Chính phủ ban hành Nghị định quy định chính sách giảm thuế giá trị gia tăng.",
                    "Điều 1. Giảm thuế giá trị gia tăng",
                    "1. Giảm thuế giá trị gia tăng đối với các nhóm hàng hóa, dịch vụ đang áp "
                    "dụng mức thuế suất 10%, trừ viễn thông, công nghệ thông tin, hoạt động tài "
                    "chính, ngân hàng, chứng khoán, bảo hiểm, kinh doanh bất động sản, kim loại, "
                    "sản phẩm khai khoáng và hàng hóa, dịch vụ chịu thuế tiêu thụ đặc biệt.",
                    "2. Cơ sở kinh doanh tính thuế theo phương pháp khấu trừ được áp dụng mức "
                    "thuế suất 8% đối với hàng hóa, dịch vụ quy định tại khoản 1 Điều này.",
                    "3. Cơ sở kinh doanh tính thuế theo phương pháp tỷ lệ % trên doanh thu được "
                    "giảm 20% mức tỷ lệ % để tính thuế giá trị gia tăng.",
                    "Điều 2. Hiệu lực thi hành",
                    "Nghị định này có hiệu lực thi hành từ ngày 01 tháng 01 đến hết ngày 31 "
                    "tháng 12. Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Chủ tịch Ủy ban nhân "
                    "dân các tỉnh, thành phố trực thuộc trung ương chịu trách nhiệm thi hành "
                    "Nghị định này.",
                ),
                revision_note="Tiếp thu ý kiến Bộ Tư pháp: loại trừ công nghệ thông tin, bổ "
                "sung khoản 3 cho cơ sở kinh doanh tính thuế theo tỷ lệ trên doanh thu, kéo dài "
                "thời gian áp dụng đến hết ngày 31 tháng 12.",
            ),
        ),
    ),
    AgendaItem(
        title_vi="Dự thảo Nghị định quy định cơ chế hỗ trợ phát triển nhà ở xã hội cho công "
        "nhân khu công nghiệp",
        title_en="Draft Decree on support for social housing for industrial-park workers",
        presenter="Bộ Xây dựng",
        kind="decision",
        summary_vi="Dự thảo Nghị định quy định ưu đãi về đất đai, tín dụng và thủ tục đầu tư "
        "đối với dự án nhà ở xã hội dành cho công nhân trong khu công nghiệp. Chủ đầu tư được "
        "miễn tiền sử dụng đất và được vay vốn ưu đãi qua Ngân hàng Chính sách xã hội. Còn ý "
        "kiến khác nhau về tỷ lệ quỹ đất nhà ở xã hội bắt buộc trong khu công nghiệp.",
        summary_en=(
            "The draft Decree grants land, credit and procedural incentives to social housing "
            "projects for industrial-park workers. Opinions still differ on the share of "
            "industrial-park land that must be set aside for it."
        ),
        documents=(
            Document(
                title_vi="Tờ trình về dự thảo Nghị định quy định cơ chế hỗ trợ phát triển nhà ở "
                "xã hội cho công nhân khu công nghiệp",
                classification="internal",
                classification_basis="Hồ sơ đang trình Chính phủ, chứa ý kiến giải trình của "
                "các bộ, cơ quan chưa được phép công bố.",
                symbol="TTr-BXD",
                title_en=(
                    "Submission on the draft Decree on support for social housing for"
                    " industrial-park workers"
                ),
                body=(
                    "I. SỰ CẦN THIẾT BAN HÀNH NGHỊ ĐỊNH",
                    "Cả nước hiện có khoảng 4,2 triệu công nhân làm việc tại các khu công "
                    "nghiệp, trong đó hơn một nửa phải thuê nhà trọ chật hẹp, thiếu an toàn. "
                    "Số căn nhà ở xã hội hoàn thành mới đáp ứng khoảng 20% nhu cầu.",
                    "II. NỘI DUNG CHÍNH CỦA DỰ THẢO",
                    "Dự thảo gồm 4 chương, 28 điều, quy định về quy hoạch quỹ đất, ưu đãi đối "
                    "với chủ đầu tư, đối tượng và điều kiện được thuê, thuê mua nhà ở xã hội. "
                    "Chủ đầu tư được miễn tiền sử dụng đất, tiền thuê đất và được hưởng lợi "
                    "nhuận định mức không quá 10% tổng chi phí đầu tư.",
                    "Doanh nghiệp có từ 500 lao động trở lên được thuê lại nhà ở xã hội để bố "
                    "trí cho công nhân; thủ tục chấp thuận chủ trương đầu tư được rút ngắn còn "
                    "30 ngày.",
                    "III. NHỮNG VẤN ĐỀ CÒN Ý KIẾN KHÁC NHAU",
                    "Bộ Kế hoạch và Đầu tư đề nghị dành tối thiểu 5% diện tích khu công nghiệp "
                    "cho nhà ở công nhân; một số địa phương cho rằng nên để Ủy ban nhân dân cấp "
                    "tỉnh quyết định. Bộ Xây dựng xin ý kiến Chính phủ về nội dung này.",
                ),
            ),
        ),
    ),
    AgendaItem(
        title_vi="Đề nghị xây dựng Luật Chuyển đổi số",
        title_en="Proposal to draft a Law on Digital Transformation",
        presenter="Bộ Thông tin và Truyền thông",
        kind="decision",
        summary_vi="Bộ Thông tin và Truyền thông đề nghị xây dựng Luật Chuyển đổi số với bốn "
        "nhóm chính sách: chính phủ số, kinh tế số, xã hội số và bảo đảm an toàn trong môi "
        "trường số. Đề nghị đã được Bộ Tư pháp thẩm định. Chính phủ cho ý kiến để hoàn thiện "
        "hồ sơ, trình Ủy ban Thường vụ Quốc hội bổ sung vào Chương trình xây dựng luật.",
        summary_en=(
            "The Ministry of Information and Communications proposes a Law on Digital "
            "Transformation with four policies: digital government, digital economy, digital "
            "society and safety online."
        ),
        documents=(
            Document(
                title_vi="Tờ trình đề nghị xây dựng Luật Chuyển đổi số",
                classification="internal",
                classification_basis="Hồ sơ đề nghị xây dựng luật chưa được Chính phủ thông "
                "qua, chỉ lưu hành trong phạm vi phiên họp.",
                symbol="TTr-BTTTT",
                title_en="Submission proposing a Law on Digital Transformation",
                body=(
                    "Sau hơn năm năm triển khai Chương trình Chuyển đổi số quốc gia, nhiều quy "
                    "định về chuyển đổi số nằm rải rác trong các luật chuyên ngành, thiếu thống "
                    "nhất và chưa có cơ chế thử nghiệm có kiểm soát cho mô hình kinh doanh mới.",
                    "Chính sách 1: Phát triển chính phủ số, bảo đảm dữ liệu được thu thập một "
                    "lần, chia sẻ giữa các cơ quan nhà nước và dịch vụ công được cung cấp trực "
                    "tuyến toàn trình.",
                    "Chính sách 2: Thúc đẩy kinh tế số, hỗ trợ doanh nghiệp nhỏ và vừa chuyển "
                    "đổi số; cho phép thử nghiệm có kiểm soát trong phạm vi và thời gian xác "
                    "định.",
                    "Chính sách 3: Phát triển xã hội số, phổ cập kỹ năng số cho người dân, nhất "
                    "là người cao tuổi, người dân vùng sâu, vùng xa.",
                    "Chính sách 4: Bảo đảm an toàn, an ninh mạng và bảo vệ quyền lợi của người "
                    "dùng trong môi trường số.",
                    "Dự kiến trình Quốc hội cho ý kiến tại kỳ họp cuối năm sau và thông qua tại "
                    "kỳ họp kế tiếp.",
                ),
            ),
            Document(
                title_vi="Báo cáo đánh giá tác động của chính sách trong đề nghị xây dựng Luật "
                "Chuyển đổi số",
                classification="public",
                classification_basis="",
                symbol="BC-BTTTT",
                title_en="Policy impact assessment for the proposed Law on Digital Transformation",
                body=(
                    "Báo cáo đánh giá tác động về kinh tế, xã hội, giới, thủ tục hành chính và "
                    "hệ thống pháp luật của bốn chính sách trong đề nghị xây dựng Luật.",
                    "Về kinh tế, việc chia sẻ dữ liệu giữa các cơ quan nhà nước ước tiết kiệm "
                    "cho người dân và doanh nghiệp khoảng 6 nghìn tỷ đồng mỗi năm chi phí thực "
                    "hiện thủ tục hành chính.",
                    "Về xã hội, chính sách phổ cập kỹ năng số giúp thu hẹp khoảng cách số giữa "
                    "thành thị và nông thôn; chi phí đào tạo được lồng ghép vào các chương "
                    "trình mục tiêu quốc gia hiện có.",
                    "Về giới, các chính sách không có nội dung phân biệt đối xử; phụ nữ ở khu "
                    "vực nông thôn được ưu tiên trong các chương trình đào tạo kỹ năng số.",
                ),
            ),
        ),
    ),
    AgendaItem(
        title_vi="Dự thảo Nghị quyết của Chính phủ về chương trình tín dụng ưu đãi cho doanh "
        "nghiệp khởi nghiệp sáng tạo",
        title_en="Draft Government Resolution on a preferential credit programme for "
        "innovative start-ups",
        presenter="Ngân hàng Nhà nước Việt Nam",
        kind="decision",
        summary_vi="Ngân hàng Nhà nước trình Chính phủ chương trình tín dụng ưu đãi dành cho "
        "doanh nghiệp khởi nghiệp sáng tạo trong lĩnh vực công nghệ cao. Dự thảo quy định quy "
        "mô, đối tượng, mức hỗ trợ lãi suất và nguồn tái cấp vốn. Đề nghị Chính phủ biểu quyết "
        "thông qua Nghị quyết.",
        summary_en=(
            "The State Bank proposes a preferential credit programme for innovative high-tech "
            "start-ups: its size, who qualifies, the interest support and the refinancing source."
            " The Government is asked to adopt the Resolution."
        ),
        documents=(
            Document(
                title_vi="Tờ trình về dự thảo Nghị quyết về chương trình tín dụng ưu đãi cho "
                "doanh nghiệp khởi nghiệp sáng tạo",
                classification="mat",
                classification_basis="Quy mô chương trình, mức lãi suất ưu đãi và nguồn tái "
                "cấp vốn dự kiến chưa công bố, thuộc danh mục bí mật nhà nước độ Mật lĩnh vực "
                "ngân hàng.",
                symbol="TTr-NHNN",
                title_en=(
                    "Submission on the draft Resolution on a preferential credit "
                    "programme for innovative start-ups"
                ),
                body=(
                    "Doanh nghiệp khởi nghiệp sáng tạo thường thiếu tài sản bảo đảm nên khó "
                    "tiếp cận vốn vay ngân hàng thương mại, trong khi các quỹ đầu tư mạo hiểm "
                    "trong nước còn nhỏ.",
                    "Ngân hàng Nhà nước đề xuất chương trình tín dụng với quy mô 10 nghìn tỷ "
                    "đồng, thực hiện qua các ngân hàng thương mại nhà nước, thời hạn giải ngân "
                    "đến hết năm thứ ba kể từ ngày Nghị quyết có hiệu lực.",
                    "Đối tượng là doanh nghiệp được cấp giấy chứng nhận doanh nghiệp khoa học và "
                    "công nghệ hoặc được cơ quan có thẩm quyền xác nhận là doanh nghiệp khởi "
                    "nghiệp sáng tạo.",
                    "Lãi suất cho vay thấp hơn 2 điểm phần trăm so với lãi suất cho vay thông "
                    "thường cùng kỳ hạn; khoản vay được bảo lãnh một phần bởi Quỹ bảo lãnh tín "
                    "dụng cho doanh nghiệp nhỏ và vừa.",
                    "Ngân hàng Nhà nước kính trình Chính phủ xem xét, quyết định.",
                ),
            ),
        ),
    ),
    AgendaItem(
        title_vi="Báo cáo tình hình khắc phục hậu quả bão số 4 và phương án khôi phục sản xuất "
        "nông nghiệp",
        title_en="Recovery from Typhoon No. 4 and the plan to restore agricultural production",
        presenter="Bộ Nông nghiệp và Phát triển nông thôn",
        kind="report",
        summary_vi="Bão số 4 và hoàn lưu sau bão gây mưa lớn, lũ quét, sạt lở đất tại 17 tỉnh "
        "phía Bắc, làm hơn 120 nghìn héc-ta lúa và hoa màu bị ngập. Bộ báo cáo kết quả cứu trợ, "
        "hỗ trợ giống cây trồng và phương án khôi phục sản xuất vụ Đông.",
        summary_en=(
            "Typhoon No. 4 and the floods after it hit 17 northern provinces and flooded more "
            "than 120,000 hectares of rice and crops. The ministry reports on relief, seed "
            "support and the plan for the winter crop."
        ),
        documents=(
            Document(
                title_vi="Báo cáo tình hình khắc phục hậu quả bão số 4 và phương án khôi phục "
                "sản xuất nông nghiệp",
                classification="public",
                classification_basis="",
                symbol="BC-BNNPTNT",
                title_en=(
                    "Report on the recovery from Typhoon No. 4 and the plan to "
                    "restore agricultural production"
                ),
                body=(
                    "Bão số 4 đổ bộ vào các tỉnh ven biển Bắc Bộ với sức gió mạnh cấp 11, giật "
                    "cấp 13; hoàn lưu sau bão gây mưa rất lớn, lũ quét và sạt lở đất tại nhiều "
                    "tỉnh miền núi phía Bắc.",
                    "Thiệt hại ban đầu: hơn 120 nghìn héc-ta lúa và hoa màu bị ngập, gần 2 "
                    "nghìn héc-ta nuôi trồng thủy sản bị thiệt hại, hàng trăm công trình thủy lợi "
                    "bị hư hỏng.",
                    "Thủ tướng Chính phủ đã quyết định xuất cấp 3 nghìn tấn hạt giống lúa, ngô "
                    "và rau từ nguồn dự trữ quốc gia để hỗ trợ các địa phương khôi phục sản xuất.",
                    "Bộ đề nghị các địa phương khẩn trương tiêu úng, vệ sinh đồng ruộng, chuyển "
                    "đổi sang cây trồng vụ Đông ngắn ngày phù hợp; tổ chức phòng, chống dịch "
                    "bệnh cho gia súc, gia cầm sau lũ.",
                ),
            ),
        ),
    ),
    AgendaItem(
        title_vi="Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ tháng 9",
        title_en="Draft Resolution of the regular Government session for September",
        presenter="Văn phòng Chính phủ",
        kind="decision",
        summary_vi="Văn phòng Chính phủ tổng hợp ý kiến thảo luận của các thành viên Chính phủ "
        "và kết luận của Thủ tướng Chính phủ thành dự thảo Nghị quyết phiên họp. Nghị quyết "
        "giao nhiệm vụ cụ thể cho các bộ, cơ quan, địa phương trong quý IV.",
        summary_en=(
            "The Government Office turns the members' discussion and the Prime Minister's "
            "conclusions into the draft Resolution of the session, assigning tasks for the fourth"
            " quarter."
        ),
        documents=(
            Document(
                title_vi="Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ tháng 9",
                classification="internal",
                classification_basis="Kết luận chưa được Thủ tướng Chính phủ ký ban hành; chỉ "
                "lưu hành trong phạm vi phiên họp.",
                symbol="NQ-CP",
                title_en="Draft Resolution of the regular Government session for September",
                issuer="Chính phủ",
                body=(
                    "Trên cơ sở thảo luận của các thành viên Chính phủ và kết luận của chủ tọa "
                    "phiên họp,",
                    "QUYẾT NGHỊ:",
                    "I. VỀ TÌNH HÌNH KINH TẾ - XÃ HỘI",
                    "Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội 9 tháng tiếp tục "
                    "chuyển biến tích cực, tháng sau tốt hơn tháng trước. Các bộ, cơ quan, địa "
                    "phương tập trung thực hiện quyết liệt các nhiệm vụ, giải pháp trọng tâm "
                    "quý IV.",
                    "II. VỀ GIẢI NGÂN VỐN ĐẦU TƯ CÔNG",
                    "Giao Bộ Kế hoạch và Đầu tư chủ trì, tổng hợp phương án điều chuyển vốn, "
                    "báo cáo Thủ tướng Chính phủ trong thời hạn 15 ngày kể từ ngày kết thúc "
                    "phiên họp.",
                    "III. VỀ CÔNG TÁC XÂY DỰNG PHÁP LUẬT",
                    "Chính phủ thông qua các dự thảo Nghị định, Nghị quyết và đề nghị xây dựng "
                    "luật đã trình tại phiên họp; giao các bộ chủ trì tiếp thu ý kiến thành "
                    "viên Chính phủ, hoàn thiện hồ sơ theo quy định.",
                ),
            ),
        ),
    ),
)
