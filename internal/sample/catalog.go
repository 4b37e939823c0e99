package sample

// product is one line of the demo company's catalogue: a category with a few
// model numbers, a price band and typical faults in both languages. Faults are
// phrased so that they read naturally after the product name in Chinese
// ("空调" + "不制冷") and after "it's" in English ("it's not cooling").
type product struct {
	zh, en             string
	need               need // which scenarios may use it, see needBig etc.
	models             []string
	minPrice, maxPrice int // yuan, multiples of 100
	faultsZH, faultsEN []string
}

var products = []product{
	{
		zh: "空调", en: "air conditioner", need: needBig | needApp,
		models:   []string{"KFR-35GW/N1", "KFR-26GW/BP3", "KFR-50LW/A2", "KFR-72LW/E1", "KFR-35GW/FA1", "KFR-51LW/N3"},
		minPrice: 2200, maxPrice: 7000,
		faultsZH: []string{"不制冷", "制热效果很差", "外机噪音特别大", "室内机一直滴水", "显示E1故障代码", "开机一会儿就自动停机"},
		faultsEN: []string{"not cooling", "barely heating", "making a loud noise from the outdoor unit", "dripping water from the indoor unit", "showing error code E1", "shutting itself off after a few minutes"},
	},
	{
		zh: "冰箱", en: "refrigerator", need: needBig | needApp,
		models:   []string{"BCD-470WDPG", "BCD-520WKM", "BCD-258WDPM", "BCD-603WKPZM", "BCD-405WLHFD", "BCD-321WFPB"},
		minPrice: 2000, maxPrice: 9000,
		faultsZH: []string{"冷藏室不制冷", "冷冻室结霜严重", "压缩机噪音很大", "门关不严", "显示屏不亮"},
		faultsEN: []string{"not cooling in the fridge compartment", "building up heavy frost in the freezer", "making a loud compressor noise", "not closing properly", "showing a blank display"},
	},
	{
		zh: "洗衣机", en: "washing machine", need: needBig | needApp,
		models:   []string{"XQG100-B14876", "XQB80-Z3058", "XQG120-HBM14", "WD10G-DU1", "XQG90-BD12", "XQB100-N2"},
		minPrice: 1300, maxPrice: 6000,
		faultsZH: []string{"脱水时晃得特别厉害", "排水很慢", "显示E21报错", "底部漏水", "洗完门锁打不开"},
		faultsEN: []string{"shaking violently during the spin cycle", "draining very slowly", "showing error E21", "leaking from the bottom", "keeping the door locked after the wash"},
	},
	{
		zh: "扫地机器人", en: "robot vacuum", need: needGadget | needApp,
		models:   []string{"HY-R7 Pro", "HY-X20 Max", "S8 Plus", "T10 Omni", "HY-V12 Lite", "Q7 Max+"},
		minPrice: 1600, maxPrice: 5000,
		faultsZH: []string{"找不到充电座，无法回充", "建图总是失败", "边刷不转", "吸力明显变小", "App连接不上"},
		faultsEN: []string{"failing to find its dock", "failing to build a map", "not spinning its side brush", "losing suction", "not connecting to the app"},
	},
	{
		zh: "净水器", en: "water purifier", need: needBig | needApp,
		models:   []string{"RO-600G", "RO-800G Pro", "RO-1000G", "RO-500G Mini", "RO-1200G Max"},
		minPrice: 1500, maxPrice: 4000,
		faultsZH: []string{"出水特别慢", "滤芯提示灯一直亮", "机器底部漏水", "制水时噪音很大", "出水有异味"},
		faultsEN: []string{"producing water very slowly", "showing the filter warning light all the time", "leaking underneath", "making a lot of noise while filtering", "giving water with a strange smell"},
	},
	{
		zh: "手机", en: "phone", need: needGadget,
		models:   []string{"X50 Pro 12+256GB", "Nova 12 8+256GB", "Note 13 Pro 8+128GB", "P60 12+512GB", "K70 12+256GB", "A3 8+128GB"},
		minPrice: 1300, maxPrice: 7000,
		faultsZH: []string{"充电时严重发烫", "屏幕出现绿线", "信号特别差", "电池掉电很快", "后置摄像头无法对焦"},
		faultsEN: []string{"overheating while charging", "showing a green line on the screen", "losing signal all the time", "draining the battery very fast", "failing to focus with the rear camera"},
	},
	{
		zh: "笔记本电脑", en: "laptop", need: needGadget,
		models:   []string{"Book 14 Pro i5/16G/512G", "AirBook 13 R7/16G/1T", "G15 i7/32G/1T", "Book 16 R7/32G/1T", "Air 15 i5/16G/1T"},
		minPrice: 4000, maxPrice: 10000,
		faultsZH: []string{"开机黑屏", "部分键盘按键失灵", "风扇噪音很大", "连不上WiFi", "屏幕有亮点"},
		faultsEN: []string{"showing a black screen on startup", "not registering some keys", "running the fan very loudly", "not connecting to WiFi", "showing a bright dead pixel"},
	},
	{
		zh: "耳机", en: "Bluetooth headset", need: needGadget,
		models:   []string{"FreeBuds 5", "Buds Air 3", "Buds Pro 2", "Buds 4 Lite", "Pods ANC 2"},
		minPrice: 200, maxPrice: 1300,
		faultsZH: []string{"左耳没有声音", "充电盒充不进电", "蓝牙经常断连", "开降噪有杂音"},
		faultsEN: []string{"silent on the left side", "not charging in the case", "dropping the Bluetooth connection", "crackling with noise cancelling on"},
	},
	{
		zh: "电视", en: "TV", need: needBig | needApp,
		models:   []string{"65E7K", "75V8F", "55A6H", "85U8N", "55E3N", "98U7N"},
		minPrice: 2500, maxPrice: 10000,
		faultsZH: []string{"开机显示无信号", "屏幕有竖线", "遥控器配对不上", "系统特别卡", "有声音没画面"},
		faultsEN: []string{"showing \"no signal\"", "showing vertical lines", "not pairing with the remote", "lagging badly", "playing sound with no picture"},
	},
	{
		zh: "热水器", en: "water heater", need: needBig,
		models:   []string{"JSQ30-16ZH1", "F60-21A1", "JSQ25-13MA", "JSQ32-16X5", "F80-32E1"},
		minPrice: 1300, maxPrice: 4000,
		faultsZH: []string{"水温忽冷忽热", "点不着火", "显示E3故障", "出热水特别慢"},
		faultsEN: []string{"switching between hot and cold", "not igniting", "showing error E3", "taking ages to produce hot water"},
	},
}

// need restricts the products a scenario talks about. A product's need is
// the set of bits it satisfies; a scenario's need is the bit it requires
// (0: any product).
type need uint8

const (
	needBig    need = 1 << iota // installed or bulky appliance: delivery with installation, on-site repair
	needApp                     // controllable from the phone app
	needGadget                  // small electronics: mail-in repair
)

// productsFor lists the indices of products satisfying each need.
var productsFor = func() (m [needGadget + 1][]int) {
	for n := range m {
		for i, p := range products {
			if p.need&need(n) == need(n) {
				m[n] = append(m[n], i)
			}
		}
	}
	return m
}()

// courier is a delivery company with the shape of its tracking numbers.
type courier struct {
	zh, en string
	prefix string
	digits int
}

var couriers = []courier{
	{"顺丰", "SF Express", "SF", 13},
	{"京东物流", "JD Logistics", "JDVA", 11},
	{"中通", "ZTO Express", "78", 12},
	{"圆通", "YTO Express", "YT", 13},
	{"韵达", "Yunda Express", "43", 13},
	{"申通", "STO Express", "77", 12},
	{"德邦物流", "Deppon Logistics", "DPK", 12},
}

// cities pairs Chinese city names with their pinyin (used in English text and
// company e-mail domains).
var cities = [][2]string{
	{"北京", "Beijing"}, {"上海", "Shanghai"}, {"广州", "Guangzhou"}, {"深圳", "Shenzhen"},
	{"杭州", "Hangzhou"}, {"南京", "Nanjing"}, {"苏州", "Suzhou"}, {"成都", "Chengdu"},
	{"武汉", "Wuhan"}, {"西安", "Xi'an"}, {"重庆", "Chongqing"}, {"天津", "Tianjin"},
	{"长沙", "Changsha"}, {"郑州", "Zhengzhou"}, {"青岛", "Qingdao"}, {"宁波", "Ningbo"},
	{"合肥", "Hefei"}, {"厦门", "Xiamen"}, {"福州", "Fuzhou"}, {"济南", "Jinan"},
}

// storeSuffixes names the physical stores; the city is put in front.
var storeSuffixes = [][2]string{
	{"万象城店", "MixC store"}, {"吾悦广场店", "Wuyue Plaza store"}, {"旗舰体验店", "flagship store"},
	{"万达广场店", "Wanda Plaza store"}, {"银泰店", "Intime store"}, {"龙湖天街店", "Longfor Paradise Walk store"},
}

// shops are the sales channels. The English forms are written from the
// customer's point of view ("bought it from your website").
var shops = [][2]string{
	{"官网商城", "your website"}, {"天猫旗舰店", "your Tmall store"}, {"京东旗舰店", "your JD.com store"},
	{"拼多多官方店", "your Pinduoduo store"}, {"抖音小店", "your Douyin shop"}, {"微信小程序", "your WeChat mini program"},
	{"线下门店", "one of your stores"}, {"官网商城", "your website"}, {"京东旗舰店", "your JD.com store"},
}

// etas are promised delivery or visit times.
var etas = [][2]string{
	{"明天上午", "tomorrow morning"}, {"明天下午", "tomorrow afternoon"}, {"后天", "the day after tomorrow"},
	{"本周六", "this Saturday"}, {"下周一", "next Monday"}, {"今天18点前", "before 6 pm today"},
	{"48小时内", "within 48 hours"}, {"明天晚上7点前", "by 7 pm tomorrow"},
}

// smallAmounts are coupons, compensation and price differences.
var smallAmounts = []string{"¥20", "¥30", "¥50", "¥50", "¥80", "¥100", "¥100", "¥150", "¥200"}

var monthsEN = [13]string{"", "January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}
