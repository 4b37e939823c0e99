package sample

// py pairs a Chinese string with its toneless pinyin (lowercase ASCII).
type py struct{ han, pin string }

// surnames are ordered roughly by frequency; pickSkewed favours the front.
var surnames = []py{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"},
	{"杨", "yang"}, {"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"},
	{"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"},
	{"郭", "guo"}, {"何", "he"}, {"林", "lin"}, {"高", "gao"}, {"罗", "luo"},
	{"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"},
	{"许", "xu"}, {"韩", "han"}, {"冯", "feng"}, {"邓", "deng"}, {"曹", "cao"},
	{"彭", "peng"}, {"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"},
	{"潘", "pan"}, {"袁", "yuan"}, {"蔡", "cai"}, {"蒋", "jiang"}, {"余", "yu"},
	{"于", "yu"}, {"杜", "du"}, {"叶", "ye"}, {"程", "cheng"}, {"魏", "wei"},
	{"苏", "su"}, {"吕", "lv"}, {"丁", "ding"}, {"沈", "shen"}, {"任", "ren"},
	{"姚", "yao"}, {"卢", "lu"}, {"钟", "zhong"}, {"姜", "jiang"}, {"崔", "cui"},
	{"谭", "tan"}, {"陆", "lu"}, {"范", "fan"}, {"汪", "wang"}, {"金", "jin"},
	{"石", "shi"}, {"贾", "jia"}, {"夏", "xia"}, {"付", "fu"}, {"方", "fang"},
	{"欧阳", "ouyang"}, {"上官", "shangguan"},
}

// Given-name characters, split so that two-character names stay plausible.
var givenMale = []py{
	{"伟", "wei"}, {"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"勇", "yong"},
	{"杰", "jie"}, {"涛", "tao"}, {"超", "chao"}, {"刚", "gang"}, {"鹏", "peng"},
	{"辉", "hui"}, {"俊", "jun"}, {"浩", "hao"}, {"宇", "yu"}, {"轩", "xuan"},
	{"睿", "rui"}, {"博", "bo"}, {"建", "jian"}, {"国", "guo"}, {"志", "zhi"},
	{"斌", "bin"}, {"峰", "feng"}, {"凯", "kai"}, {"昊", "hao"}, {"铭", "ming"},
	{"泽", "ze"}, {"航", "hang"}, {"毅", "yi"}, {"翔", "xiang"}, {"龙", "long"},
}

var givenFemale = []py{
	{"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"},
	{"艳", "yan"}, {"娟", "juan"}, {"秀", "xiu"}, {"霞", "xia"}, {"婷", "ting"},
	{"欣", "xin"}, {"怡", "yi"}, {"琪", "qi"}, {"悦", "yue"}, {"雪", "xue"},
	{"颖", "ying"}, {"慧", "hui"}, {"琳", "lin"}, {"倩", "qian"}, {"诗", "shi"},
	{"梦", "meng"}, {"晴", "qing"}, {"彤", "tong"}, {"蕾", "lei"}, {"璐", "lu"},
	{"瑶", "yao"}, {"萍", "ping"}, {"薇", "wei"}, {"雯", "wen"}, {"佳", "jia"},
}

var givenNeutral = []py{
	{"明", "ming"}, {"华", "hua"}, {"平", "ping"}, {"文", "wen"}, {"晨", "chen"},
	{"阳", "yang"}, {"子", "zi"}, {"嘉", "jia"}, {"思", "si"}, {"雨", "yu"},
	{"一", "yi"}, {"可", "ke"}, {"心", "xin"}, {"天", "tian"}, {"晓", "xiao"},
	{"东", "dong"}, {"亮", "liang"}, {"帆", "fan"}, {"海", "hai"}, {"安", "an"},
}

var firstNamesEN = []string{
	"Emily", "James", "Olivia", "Michael", "Sophie", "Daniel", "Emma", "David",
	"Charlotte", "Thomas", "Hannah", "Matthew", "Grace", "Ryan", "Chloe", "Andrew",
	"Lucy", "Benjamin", "Jessica", "Samuel", "Laura", "Oliver", "Rachel", "Jack",
	"Amelia", "Henry", "Megan", "Lucas", "Natalie", "Peter", "Anna", "Mark",
}

var lastNamesEN = []string{
	"Carter", "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans",
	"Thompson", "Walker", "White", "Harris", "Martin", "Clarke", "Lewis", "Robinson",
	"Wright", "Hughes", "Green", "Hall", "Wood", "Baker", "Turner", "Mitchell",
	"Cooper", "Parker", "Bennett", "Collins", "Murphy", "Reed", "Fisher", "Morgan",
}

// agentNicknamesEN are the English names Chinese support agents use with
// English-speaking customers.
var agentNicknamesEN = []string{
	"Lily", "Amy", "Kevin", "Jason", "Cindy", "Coco", "Vivian", "Eric",
	"Tony", "Grace", "Sunny", "Leo", "Nina", "Alan", "Iris", "Jack",
}

// Company name parts: brand (with pinyin for the domain) and industry (with a
// domain tag).
var companyBrands = []py{
	{"云帆", "yunfan"}, {"恒信", "hengxin"}, {"博远", "boyuan"}, {"启明", "qiming"},
	{"华创", "huachuang"}, {"锐思", "ruisi"}, {"星辰", "xingchen"}, {"鼎盛", "dingsheng"},
	{"汇通", "huitong"}, {"智联", "zhilian"}, {"明德", "mingde"}, {"嘉和", "jiahe"},
	{"新航", "xinhang"}, {"蓝海", "lanhai"}, {"正邦", "zhengbang"}, {"卓越", "zhuoyue"},
	{"聚力", "juli"}, {"天成", "tiancheng"}, {"宏达", "hongda"}, {"瑞丰", "ruifeng"},
	{"铭泰", "mingtai"}, {"和光", "heguang"}, {"诺亚", "nuoya"}, {"鑫源", "xinyuan"},
	{"青禾", "qinghe"}, {"远帆", "yuanfan"}, {"拓维", "tuowei"}, {"景行", "jingxing"},
}

var companyIndustries = []py{
	{"科技", "tech"}, {"网络科技", "net"}, {"信息技术", "it"}, {"贸易", "trade"},
	{"餐饮管理", "food"}, {"教育科技", "edu"}, {"物业管理", "pm"}, {"酒店管理", "hotel"},
	{"建筑工程", "build"}, {"文化传媒", "media"}, {"医疗器械", "med"}, {"电子商务", "ec"},
}

var companyWordsEN = []string{
	"Northwind", "Bluepeak", "Redwood", "Silverline", "Brightpath", "Oakridge",
	"Harbor", "Summit", "Evergreen", "Lighthouse", "Maple", "Granite",
}

// companyKindsEN pairs an English company suffix with its domain tag.
var companyKindsEN = [][2]string{
	{"Trading Ltd.", "trading"}, {"Consulting (Shanghai) Co., Ltd.", "consulting"},
	{"Design Studio", "design"}, {"International School", "school"},
	{"Technologies Ltd.", "tech"}, {"Hospitality Group", "hospitality"},
}

// Consumer mail domains, repeated to weight them.
var mailDomainsZH = []string{
	"qq.com", "qq.com", "qq.com", "qq.com", "qq.com", "qq.com",
	"163.com", "163.com", "163.com", "163.com", "163.com",
	"126.com", "126.com", "126.com", "gmail.com", "gmail.com",
	"outlook.com", "outlook.com", "foxmail.com", "sina.com", "hotmail.com",
}

var mailDomainsEN = []string{
	"gmail.com", "gmail.com", "gmail.com", "gmail.com", "gmail.com",
	"outlook.com", "outlook.com", "outlook.com", "yahoo.com", "icloud.com", "icloud.com", "hotmail.com",
}

// mobilePrefixes are valid Chinese mobile number prefixes.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"170", "171", "173", "175", "176", "177", "178",
	"180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
	"191", "195", "198", "199",
}
