package sample

// The fictional demo company: a consumer electronics and home-appliance
// retailer selling through its own web shop, marketplaces and stores.
const (
	// CompanyName is the demo company's Chinese name.
	CompanyName = "禾悦家电"
	// CompanyNameEN is the demo company's English name.
	CompanyNameEN = "Heyue Appliances"
	// CompanyDomain is the mail domain of the demo company's agents.
	CompanyDomain = "heyue-home.cn"
)

// TeamSpec names a team or department in Chinese and English.
type TeamSpec struct{ Name, NameEN string }

// Teams returns the demo company's customer-service teams.
func Teams() []TeamSpec {
	return []TeamSpec{
		{"售前咨询组", "Pre-sales"},
		{"售后一组", "After-sales 1"},
		{"售后二组", "After-sales 2"},
		{"投诉处理组", "Complaints"},
		{"在线客服组", "Online chat"},
		{"VIP 服务组", "VIP service"},
	}
}

// Departments returns the departments that tickets are handed to for work
// outside customer service.
func Departments() []TeamSpec {
	return []TeamSpec{
		{"技术部", "Technical"},
		{"物流部", "Logistics"},
		{"财务部", "Finance"},
		{"质检部", "Quality control"},
		{"门店运营部", "Store operations"},
	}
}

// Tags returns the tags agents put on tickets.
func Tags() []string {
	return []string{
		"退款", "物流", "发票", "安装", "维修", "催单", "差评风险", "重复来电",
		"VIP", "企业客户", "以旧换新", "价保", "缺货", "上门取件", "配件",
		"延保", "错发漏发", "安装收费", "加急", "已回访", "English",
	}
}
