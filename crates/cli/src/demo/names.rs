//! Deterministic synthetic data: a small seeded PRNG (SplitMix64, so the output never
//! changes with a dependency's version) and Chinese names and phone numbers made up from
//! common characters. No real person's data.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in out.iter_mut() {
            *b = self.next_u64() as u8;
        }
        out
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓", "许", "傅", "沈", "曾",
    "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪",
    "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔", "康", "毛",
    "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武",
    "乔", "贺", "赖", "龚", "文",
];

const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平",
    "刚", "桂英", "建华", "文辉", "鹏", "宇", "浩然", "子涵", "欣怡", "梓轩", "雨泽", "俊杰", "博文", "思远", "晨曦",
    "佳琪", "志强", "海燕", "玉兰", "红梅", "国庆", "建军", "春生", "秋菊", "德明", "世川", "晓东", "丹丹", "婷婷",
    "振华", "立新", "爱民", "秀珍", "淑芬", "永红", "卫东", "红霞", "志刚", "海涛", "晓燕", "建平", "玉梅", "金凤",
    "宏伟", "文静", "冬梅", "小龙", "亚楠", "瑞", "昊", "琳", "彤", "欣", "凯", "斌", "晖", "慧", "雯", "璐", "翔",
    "峰", "毅", "航", "悦", "萱", "博", "哲",
];

pub fn person_name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// An 11-digit mobile number with a real-looking prefix; synthetic.
pub fn phone(rng: &mut Rng) -> String {
    const PREFIXES: &[&str] = &[
        "134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187", "188", "130",
        "131", "132", "155", "156", "185", "186", "133", "153", "180", "189", "177", "199",
    ];
    format!("{}{:08}", rng.pick(PREFIXES), rng.next_u64() % 100_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(person_name(&mut a), person_name(&mut b));
        }
        let p = phone(&mut Rng::new(1));
        assert!(fengqiao_domain::Phone::parse(&p).is_ok(), "{p}");
    }
}
